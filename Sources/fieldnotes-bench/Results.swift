import Foundation
import ReportModels

/// One line of the results: what fieldnotes did, what its baseline did, and the budget.
struct Result {
    var scenario: String
    /// fieldnotes' figure, as shown.
    var measured: String
    var baseline: String
    /// The figure the budget is about (a ratio, a share, milliseconds or megabytes).
    var ratio: String
    var budget: String
    var met: Bool?
    /// Every number, for the JSON file.
    var figures: [String: JSONValue]
}

enum ResultsTable {
    static func table(_ results: [Result]) -> String {
        let headers = ["scenario", "fieldnotes", "baseline", "figure", "budget", ""]
        let rows = results.map { [$0.scenario, $0.measured, $0.baseline, $0.ratio, $0.budget, $0.met.map { $0 ? "ok" : "MISSED" } ?? ""] }
        let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }

    static func json(_ results: [Result], settings: [String: JSONValue]) -> JSONValue {
        var machine: [String: JSONValue] = [
            "cores": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)),
            "memoryGB": .double((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10),
        ]
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let model = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") })?.split(separator: ":").last {
            machine["cpu"] = .string(model.trimmingCharacters(in: .whitespaces))
        }
        return .object([
            "settings": .object(JSONObject(settings)),
            "machine": .object(JSONObject(machine)),
            "date": .string(Timestamp.now.description),
            "results": .array(results.map { result in
                var figures = result.figures
                figures["scenario"] = .string(result.scenario)
                figures["budget"] = .string(result.budget)
                figures["met"] = result.met.map(JSONValue.bool) ?? .null
                return .object(JSONObject(figures))
            }),
        ])
    }
}

func seconds(_ value: Double) -> String {
    value >= 1 ? String(format: "%.2f s", value) : String(format: "%.0f ms", value * 1000)
}

func milliseconds(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
