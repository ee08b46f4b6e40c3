import Foundation
import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// Files the sync engine cannot make or lock: each error names the file, says why and what to
/// do, and is not taken for a file that cannot be read.
@Suite("Files that cannot be made")
struct WriteFailureTests {
    @Test func aChangesetThatCannotBeCreatedSaysSoAndWhatToDo() throws {
        let missing = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-missing-\(UUID().uuidString)/00000001.fnc")
        let expected = SyncError.cannotCreate(path: missing.path, reason: "its folder does not exist; check the path (is the drive mounted?)")
        #expect(throws: expected) { try ChangesetWriter(at: missing, writer: ReplicaID(), sequence: 1, level: 6, signing: nil) }
        #expect(expected.errorDescription == "cannot create \(missing.path): its folder does not exist; check the path (is the drive mounted?)")
    }

    @Test func aSyncLockThatCannotBeTakenSaysWhatToDo() throws {
        let missing = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-missing-\(UUID().uuidString)/sync.lock")
        #expect(throws: StoreFault.cannotLock(path: missing.path, reason: String(cString: strerror(ENOENT)))) { try FileLock(missing) }
        let text = describeError(StoreFault.cannotLock(path: missing.path, reason: "No such file or directory"))
        #expect(text.contains(missing.path) && text.contains("check that the store's folder is yours and writable"), "\(text)")
    }

    @Test func writeFailuresSayWhatToDo() {
        for code in [EACCES, EPERM, EROFS, ENOENT, ENOTDIR, ENOSPC, EDQUOT, EFBIG, EIO, EEXIST, ENAMETOOLONG] {
            let reason = describeWriteFailure(code)
            #expect(["run the command again", "try again", "check the path", "check the disk"].contains { reason.contains($0) }, "\(code): \(reason)")
        }
        #expect(SyncError.cannotWrite(path: "/media/usb/fieldnotes", reason: describeWriteFailure(EACCES)).errorDescription
                == "cannot write /media/usb/fieldnotes: permission denied; make its folder writable for you (or choose another) and run the command again")
        // Foundation's errors carry the errno.
        let foundation = CocoaError(.fileWriteNoPermission, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))])
        #expect(describeWriteFailure(foundation) == describeWriteFailure(EROFS))
    }
}
