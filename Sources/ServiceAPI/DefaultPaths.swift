import Foundation

/// Where the daemon keeps its data and socket unless told otherwise. The client uses
/// the same rules, so `picojoule` finds a `picojouled` started without options.
public enum DefaultPaths {
    /// `$XDG_DATA_HOME/picojoule`, else `/var/lib/picojoule` for root, else `~/.local/share/picojoule`.
    public static func dataDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return "\(xdg)/picojoule" }
        if geteuid() == 0 { return "/var/lib/picojoule" }
        return "\(env["HOME"] ?? "/tmp")/.local/share/picojoule"
    }

    /// `$PICOJOULE_SOCKET`, else `$XDG_RUNTIME_DIR/picojoule.sock`, else `<data dir>/picojoule.sock`.
    public static func socket(dataDirectory: String? = nil) -> String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["PICOJOULE_SOCKET"], !explicit.isEmpty { return explicit }
        if let runtime = env["XDG_RUNTIME_DIR"], !runtime.isEmpty { return "\(runtime)/picojoule.sock" }
        return "\(dataDirectory ?? Self.dataDirectory())/picojoule.sock"
    }
}
