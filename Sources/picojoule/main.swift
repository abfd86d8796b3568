print("picojoule: not yet implemented")
