import Foundation

/// Runs the person's editor on a file: `$VISUAL`, else `$EDITOR`, else `vi`.
enum Editor {
    static var command: String {
        let environment = ProcessInfo.processInfo.environment
        for key in ["VISUAL", "EDITOR"] {
            if let value = environment[key], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
        }
        return "vi"
    }

    /// Waits for the editor to exit; throws if it fails.
    static func edit(_ file: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The editor setting may hold arguments (`code --wait`), so the shell splits it.
        process.arguments = ["-c", "\(command) \"$1\"", "fieldnotes-editor", file.path]
        do {
            try process.run()
        } catch {
            throw CLIError("cannot start the editor '\(command)': \(error.localizedDescription); set $EDITOR")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("the editor '\(command)' exited with status \(process.terminationStatus); nothing was changed")
        }
    }
}
