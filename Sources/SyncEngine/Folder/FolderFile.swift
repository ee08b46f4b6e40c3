import Foundation

/// Reading files that come from outside the store, which anyone may have put there: only
/// regular files are read, never through a symbolic link at the name itself, never blocking
/// (a FIFO named like a changeset would hang a plain open for ever), and a small file only up
/// to a size checked before anything is read.
enum FolderFile {
    /// Why a file was not read.
    enum Problem: Error, Equatable, LocalizedError {
        case notRegular(String, kind: String)
        case notAFolder(String, kind: String)
        case tooLarge(String, limit: Int)
        case unreadable(String, reason: String)
        case missing(String)

        var errorDescription: String? {
            switch self {
            case .notRegular(_, let kind): "it is \(kind), not a plain file; fieldnotes reads only plain files"
            case .notAFolder(_, let kind): "it is \(kind) where a replica's folder should be, and is not read; remove it from the shared folder"
            case .tooLarge(let path, let limit): "\(path) is larger than \(limit) bytes, which no such file is; it is not read"
            case .unreadable(let path, let reason): "\(path): \(reason)"
            case .missing(let path): "\(path): no such file"
            }
        }
    }

    /// Opens a regular file for reading, without following a symbolic link at its name and
    /// without blocking on a FIFO or a device.
    static func open(_ url: URL) throws(Problem) -> FileHandle {
        let descriptor = Foundation.open(url.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            // O_NOFOLLOW on a link fails with ELOOP.
            if code == ELOOP { throw .notRegular(url.path, kind: "a symbolic link") }
            if code == ENOENT { throw .missing(url.path) }
            throw .unreadable(url.path, reason: String(cString: strerror(code)))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .unreadable(url.path, reason: reason)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .notRegular(url.path, kind: kind(of: status.st_mode))
        }
        // Reads of a regular file never block; clearing the flag keeps later reads plain.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// The contents of a small file, at most `limit` bytes; nil if there is no file.
    static func read(_ url: URL, limit: Int) throws(Problem) -> Data? {
        let file: FileHandle
        do {
            file = try open(url)
        } catch .missing {
            return nil
        }
        defer { try? file.close() }
        do {
            // One byte past the limit tells a file that is too large without reading it all.
            let data = try file.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw Problem.tooLarge(url.path, limit: limit) }
            return data
        } catch let problem as Problem {
            throw problem
        } catch {
            throw .unreadable(url.path, reason: describeError(error))
        }
    }

    /// What a file system entry is, in words.
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symbolic link"
        case S_IFREG: "a plain file"
        default: "not a plain file"
        }
    }

    /// What is at `url` itself (a link is not followed), or nil if nothing is.
    static func mode(of url: URL) -> mode_t? {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    /// The size of the plain file at `url` (a link is not followed); nil for anything else.
    static func size(of url: URL) -> Int? {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// What tells one version of a file from another without reading it: device, inode, size
    /// and modification time (a file replaced by rename gets another inode).
    struct Stamp: Equatable {
        let device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
    }

    /// The stamp of the plain file at `url` (a link is not followed); nil for anything else.
    static func stamp(of url: URL) -> Stamp? {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Stamp(device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
                     seconds: Int(status.st_mtim.tv_sec), nanoseconds: Int(status.st_mtim.tv_nsec))
    }

    /// The device and inode of what is at `url`: the same pair means the same folder, under
    /// whatever path it is reached.
    static func identity(of url: URL) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}
