import CLinux
import Glibc
import SystemPackage

// Every libc, libpfm4 and libnuma call Measure makes goes through a `system_`
// function here (STYLE rule 4): the set of system interactions is in one file, and
// no raw Int32 error code leaves it — failures come back as swift-system's `Errno`
// or as a `PerfError` carrying libpfm4's code and message.

/// libpfm4 must be initialised once per process before any encoding call. A Swift
/// `static let` is initialised lazily and exactly once (swift_once), so it is the
/// lock; nothing mutable is exposed.
enum LibPFM {
    static let initialization: Int32 = pfm_initialize()
}

/// Encodes a libpfm4 event string into a perf_event_attr for the perf_event OS
/// layer. `kernel` adds privilege level 0 (counts in the kernel too).
/// The corresponding C function is `pfm_get_os_event_encoding(3)`.
func system_pfm_encode(_ name: String, kernel: Bool) -> Result<(perf_event_attr, String), PerfError> {
    let initCode = LibPFM.initialization
    guard initCode == PFM_SUCCESS else {
        return .failure(PerfError(event: name, .libpfm(code: initCode, message: String(cString: pfm_strerror(initCode)))))
    }
    var attr = perf_event_attr()
    var fstr: UnsafeMutablePointer<CChar>? = nil
    let code: Int32 = withUnsafeMutablePointer(to: &attr) { attrPointer in
        withUnsafeMutablePointer(to: &fstr) { fstrPointer in
            var arg = pfm_perf_encode_arg_t()
            arg.attr = attrPointer
            arg.fstr = fstrPointer
            arg.size = MemoryLayout<pfm_perf_encode_arg_t>.size
            let plm = kernel ? (PFM_PLM0 | PFM_PLM3) : PFM_PLM3
            return pfm_get_os_event_encoding(name, Int32(plm), PFM_OS_PERF_EVENT, &arg)
        }
    }
    defer { free(fstr) }  // libpfm4 allocates the canonical string with malloc
    guard code == PFM_SUCCESS else {
        return .failure(PerfError(event: name, .libpfm(code: code, message: String(cString: pfm_strerror(code)))))
    }
    return .success((attr, fstr.map { String(cString: $0) } ?? name))
}

/// Opens one counter on the calling process (pid 0) on any CPU, in its own group.
/// The corresponding C function is `perf_event_open(2)`.
func system_perf_event_open(_ attr: inout perf_event_attr) -> Result<Int32, Errno> {
    attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
    let fd = clinux_perf_event_open(&attr, 0, -1, -1, UInt(PERF_FLAG_FD_CLOEXEC))
    return fd >= 0 ? .success(fd) : .failure(Errno(rawValue: errno))
}

/// The three PERF_EVENT_IOC_* ioctls Measure uses.
enum PerfControl { case enable, disable, reset }

/// Enables, disables or resets one counter (and its inherited children).
/// The corresponding C function is `ioctl(2)` with `PERF_EVENT_IOC_*`.
func system_perf_control(_ fd: Int32, _ control: PerfControl) -> Result<Void, Errno> {
    let status: Int32
    switch control {
    case .enable: status = clinux_perf_enable(fd, 0)
    case .disable: status = clinux_perf_disable(fd, 0)
    case .reset: status = clinux_perf_reset(fd, 0)
    }
    if status == 0 { return .success(()) }
    let error = Errno(rawValue: errno)
    precondition(error != .badFileDescriptor, "perf ioctl on a closed counter fd \(fd)")
    return .failure(error)
}

/// Reads {value, time_enabled, time_running} of one counter opened with
/// PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING into `into`
/// (three UInt64s). Allocation-free: the sampler calls it around every node.
/// The corresponding C function is `read(2)`.
@inline(__always)
func system_perf_read(_ fd: Int32, into: UnsafeMutablePointer<UInt64>, retryOnInterrupt: Bool = true) -> Result<Void, Errno> {
    while true {
        let n = read(fd, into, 3 * MemoryLayout<UInt64>.size)
        if n == 3 * MemoryLayout<UInt64>.size { return .success(()) }
        if n < 0 && errno == EINTR && retryOnInterrupt { continue }
        let error = n < 0 ? Errno(rawValue: errno) : Errno.ioError
        precondition(error != .badFileDescriptor, "read on a closed counter fd \(fd)")
        return .failure(error)
    }
}

/// Closes a counter fd. The corresponding C function is `close(2)`.
func system_close(_ fd: Int32) {
    _ = close(fd)
}

/// Nodes libnuma sees, or nil when NUMA is not available in the kernel.
/// The corresponding C functions are `numa_available(3)` and `numa_num_configured_nodes(3)`.
func system_numa_nodes() -> Int? {
    numa_available() < 0 ? nil : Int(numa_num_configured_nodes())
}

/// Online CPUs. The corresponding C function is `sysconf(_SC_NPROCESSORS_ONLN)`.
func system_online_cpus() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

/// The whole of a small text file (procfs, sysfs), or the errno that stopped it.
/// The corresponding C functions are `open(2)` and `read(2)`.
func system_read_text(_ path: String) -> Result<String, Errno> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { return .failure(Errno(rawValue: errno)) }
        if n == 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return .success(String(decoding: bytes, as: UTF8.self))
}

/// Names in a directory (without . and ..), or the errno.
/// The corresponding C functions are `opendir(3)` and `readdir(3)`.
func system_list_directory(_ path: String) -> Result<[String], Errno> {
    guard let dir = opendir(path) else { return .failure(Errno(rawValue: errno)) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return .success(names.sorted())
}

/// Monotonic clock in nanoseconds. The corresponding C function is `clock_gettime(2)`.
func system_monotonic_ns() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// CPU time of the whole process (all threads), nanoseconds.
/// The corresponding C function is `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`.
func system_process_cpu_ns() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
