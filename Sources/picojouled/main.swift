print("picojouled: not yet implemented")
