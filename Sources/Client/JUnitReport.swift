import ServiceAPI

/// A JUnit XML report of gate results, which CI systems (GitLab, Jenkins, GitHub
/// test reporters) display: one testcase per model × profile × budget.
public enum JUnitReport {
    /// `errors` are model × profile pairs that could not be checked at all.
    public static func render(reports: [GateReport], errors: [(name: String, message: String)]) -> String {
        var cases: [String] = []
        var failures = 0
        for report in reports {
            let className = "picojoule.gate.\(escape(report.profile))"
            for check in report.checks {
                let name = escape("\(report.modelName) \(check.metric) \(check.kind)")
                if check.passed {
                    cases.append("    <testcase classname=\"\(className)\" name=\"\(name)\"/>")
                } else {
                    failures += 1
                    let message = escape(GateText.failureLine(report, check))
                    cases.append("    <testcase classname=\"\(className)\" name=\"\(name)\">\n      <failure message=\"\(message)\" type=\"\(check.kind)\">\(message)</failure>\n    </testcase>")
                }
            }
            for note in report.notes {
                cases.append("    <testcase classname=\"\(className)\" name=\"\(escape(report.modelName)) note\"><system-out>\(escape(note))</system-out></testcase>")
            }
        }
        for error in errors {
            cases.append("    <testcase classname=\"picojoule.gate\" name=\"\(escape(error.name))\">\n      <error message=\"\(escape(error.message))\"/>\n    </testcase>")
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="picojoule gate" tests="\(cases.count)" failures="\(failures)" errors="\(errors.count)">
          <testsuite name="picojoule gate" tests="\(cases.count)" failures="\(failures)" errors="\(errors.count)">
        \(cases.joined(separator: "\n"))
          </testsuite>
        </testsuites>

        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Words for gate results, shared by the terminal output and the JUnit report.
public enum GateText {
    /// "tinycnn.onnx on cortex-m7: energy 2.40 mJ exceeds budget 2.00 mJ (profile) by 0.40 mJ (20.0 %)".
    public static func failureLine(_ report: GateReport, _ check: GateCheck) -> String {
        let what = check.kind == "baseline" ? "the baseline limit" : "budget"
        return "\(report.modelName) on \(report.profile): \(check.metric) \(Units.format(check.figure, check.unit)) exceeds \(what) "
            + "\(Units.format(check.limit, check.unit)) (\(check.source)) by \(Units.format(-check.margin, check.unit)) "
            + "(\(String(format: "%.1f", -check.marginPercent)) %)"
    }
}
