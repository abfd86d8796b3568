import Store

/// Renders the daemon's metrics in the Prometheus text exposition format (0.0.4).
enum PrometheusText {
    /// Upper bounds (s) of the job duration histogram: jobs take from under a second
    /// (a tiny model) to many minutes (a zoo model under cachegrind).
    static let durationBuckets: [Double] = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800]

    static func render(counts: [JobRecord.State: Int], durations: [(state: JobRecord.State, seconds: Double)],
                       latest: [ResultRecord], running: Int) -> String {
        var out = ""
        out += "# HELP picojoule_jobs Jobs in the queue and history, by state.\n# TYPE picojoule_jobs gauge\n"
        for state in JobRecord.State.allCases {
            out += "picojoule_jobs{state=\"\(state.rawValue)\"} \(counts[state] ?? 0)\n"
        }
        out += "# HELP picojoule_jobs_running Jobs running now in this daemon.\n# TYPE picojoule_jobs_running gauge\n"
        out += "picojoule_jobs_running \(running)\n"
        out += "# HELP picojoule_job_duration_seconds Wall time of finished jobs, start to end.\n"
        out += "# TYPE picojoule_job_duration_seconds histogram\n"
        let seconds = durations.map(\.seconds)
        for bound in durationBuckets {
            out += "picojoule_job_duration_seconds_bucket{le=\"\(format(bound))\"} \(seconds.filter { $0 <= bound }.count)\n"
        }
        out += "picojoule_job_duration_seconds_bucket{le=\"+Inf\"} \(seconds.count)\n"
        out += "picojoule_job_duration_seconds_sum \(format(seconds.reduce(0, +)))\n"
        out += "picojoule_job_duration_seconds_count \(seconds.count)\n"
        out += "# HELP picojoule_last_energy_joules Energy per inference of the newest result of each model on each profile.\n"
        out += "# TYPE picojoule_last_energy_joules gauge\n"
        for r in latest { out += "picojoule_last_energy_joules{\(labels(r))} \(format(r.energyJoules))\n" }
        out += "# HELP picojoule_last_latency_seconds Latency per inference of the newest result of each model on each profile.\n"
        out += "# TYPE picojoule_last_latency_seconds gauge\n"
        for r in latest { out += "picojoule_last_latency_seconds{\(labels(r))} \(format(r.latencySeconds))\n" }
        return out
    }

    private static func labels(_ r: ResultRecord) -> String {
        "model=\"\(escape(r.modelName))\",sha256=\"\(r.modelSHA256)\",profile=\"\(escape(r.profile))\",source=\"\(r.energySource)\""
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return "\(v)"
    }
}
