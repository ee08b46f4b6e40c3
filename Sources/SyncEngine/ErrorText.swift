import Foundation
import OfflineStore

/// One line that says what went wrong, for any error: the layers' own errors say what to do;
/// file-system errors are reduced to the path and the reason (not Foundation's dump).
public func describeError(_ error: Error) -> String {
    // The store says its errors without SQL at its boundary; one of SQLite's or GRDB's that
    // got past it anyway is said the same way here, never with GRDB's description.
    let error = Store.boundaryError(error, directory: nil)
    let text: String
    if let file = describeFileError(error as NSError) {
        text = file
    } else if let error = error as? LocalizedError, let description = error.errorDescription {
        text = description
    } else {
        text = String(describing: error)
    }
    return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
}

private func describeFileError(_ error: NSError) -> String? {
    guard let reason = fileErrorReason(error) else { return nil }
    let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Why a file error of Foundation's happened, without the path; nil for other errors.
private func fileErrorReason(_ error: NSError) -> String? {
    guard error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain else { return nil }
    var reason: String
    if error.domain == NSPOSIXErrorDomain {
        reason = describePOSIXError(Int32(error.code))
    } else if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = describePOSIXError(Int32(underlying.code))
    } else {
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
        case .fileWriteFileExists: reason = "something with that name is in the way"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: reason = "not a valid file name"
        case .fileWriteOutOfSpace: reason = "the disk is full"
        case .fileWriteVolumeReadOnly: reason = "the disk is read-only"
        default: reason = "cannot read or write it"
        }
    }
    return reason.prefix(1).lowercased() + reason.dropFirst()
}

/// An errno as a reason with what to do, for the failures of disks and limits.
private func describePOSIXError(_ code: Int32) -> String {
    switch code {
    case ENOSPC: "the disk is full; free some space and try again"
    case EDQUOT: "the disk quota is used up; free some space and try again"
    case EFBIG: "the file grew past a file-size limit (`ulimit -f`); raise the limit or free space, and try again"
    case EROFS: "the disk is read-only"
    case EIO: "the disk failed (input/output error); check the disk"
    default: String(cString: strerror(code))
    }
}

/// Why a file or folder cannot be made or written, by errno, with what to do.
func describeWriteFailure(_ code: Int32) -> String {
    switch code {
    case EACCES, EPERM: "permission denied; make its folder writable for you (or choose another) and run the command again"
    case EROFS: "the disk is read-only; mount it writable (or choose another folder) and run the command again"
    case ENOENT, ENOTDIR: "its folder does not exist; check the path (is the drive mounted?)"
    case ENOSPC, EDQUOT, EFBIG, EIO: describePOSIXError(code)
    default:
        String(cString: strerror(code)).prefix(1).lowercased() + String(cString: strerror(code)).dropFirst()
            + "; check the path and run the command again"
    }
}

/// ``describeWriteFailure(_:)`` for an error of Foundation's that carries an errno; else the
/// error said as usual, with what to do.
func describeWriteFailure(_ error: Error) -> String {
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return describeWriteFailure(Int32(error.code)) }
    if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return describeWriteFailure(Int32(underlying.code))
    }
    if error.domain == NSCocoaErrorDomain {
        switch CocoaError.Code(rawValue: error.code) {
        case .fileWriteNoPermission: return describeWriteFailure(EACCES)
        case .fileWriteOutOfSpace: return describeWriteFailure(ENOSPC)
        case .fileWriteVolumeReadOnly: return describeWriteFailure(EROFS)
        case .fileNoSuchFile: return describeWriteFailure(ENOENT)
        default: break
        }
    }
    return (fileErrorReason(error) ?? describeError(error)) + "; check the path and run the command again"
}
