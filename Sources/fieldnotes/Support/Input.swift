import Foundation
import ReportModels

/// Reading what people hand to commands: files, standard input, `@FILE` values.
enum Input {
    /// The bytes of a file, or of standard input for `-`.
    static func data(from path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? file.close() }
            return try file.readToEnd() ?? Data()
        } catch {
            throw CLIError("cannot read \(path): \(describe(error))")
        }
    }

    /// A UTF-8 text file (or `-`).
    static func text(from path: String) throws -> String {
        guard let text = String(data: try data(from: path), encoding: .utf8) else {
            throw CLIError("\(path == "-" ? "standard input" : path) is not UTF-8 text; save it as UTF-8 and try again")
        }
        return text
    }

    /// A report document from a file (or `-`); errors name the file.
    static func document(from path: String) throws -> ReportDocument {
        let data = try data(from: path)
        do {
            return try ReportDocument(data: data)
        } catch {
            throw CLIError("\(path == "-" ? "standard input" : path): \(Console.message(for: error))")
        }
    }

    static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
