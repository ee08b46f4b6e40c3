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

    /// Runs this executable again with `arguments` and waits. The child reports its own
    /// peak resident memory (VmHWM of its address space), which nothing in this process can
    /// disturb — unlike rusage, which on Linux counts the parent's memory shared before exec.
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
        guard waitpid(pid, &status, 0) == pid else { throw BenchError("lost the child process") }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw BenchError("child \(arguments.first ?? "") failed with status \(status): \(text)") }
        let lines = text.split(separator: "\n")
        return ChildResult(output: lines.first.map(String.init) ?? "", peakMemoryMB: lines.count > 1 ? Double(lines[1]) ?? .nan : .nan)
    }

    /// This process's peak resident memory in MB (VmHWM from /proc/self/status).
    static func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kilobytes / 1024
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
