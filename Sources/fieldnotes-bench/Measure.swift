import Foundation

/// Wall-clock timing and process measurements.
enum Measure {
    /// Seconds `body` took.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }

    /// What a child process reported, and its peak resident memory.
    struct ChildResult {
        var output: String
        var peakMemoryMB: Double
    }

    /// Runs this executable again with `arguments`, waits, and reads its peak memory from
    /// `wait4` (getrusage of that one child) — a measurement no other work in this process
    /// can disturb.
    static func child(_ arguments: [String]) throws -> ChildResult {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let output = FileManager.default.temporaryDirectory.appending(path: "bench-child-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let argv = [executable] + arguments + ["--result", output]
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, nil, nil, &cArguments, environ) == 0 else {
            throw BenchError("could not start \(executable)")
        }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw BenchError("lost the child process") }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw BenchError("child \(arguments.first ?? "") failed with status \(status): \(text)") }
        // Linux reports ru_maxrss in kilobytes.
        return ChildResult(output: text, peakMemoryMB: Double(usage.ru_maxrss) / 1024)
    }

    /// Runs a command line tool, failing loudly if it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw BenchError("\(tool) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
