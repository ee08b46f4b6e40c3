import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Real Syncthing instances on 127.0.0.1 sharing one folder, for the end-to-end test of
/// fieldnotes over Syncthing (`SyncthingMeshTests`).
///
/// Each device gets its own home (keys, config, database) and its own copy of the shared
/// folder under `root`. Everything that could reach outside this machine is off: global and
/// local discovery, relays, NAT traversal, usage and crash reporting, upgrades; devices find
/// each other only at the explicit `tcp://127.0.0.1:PORT` addresses written into each
/// config, on ports chosen free by binding port 0. The GUI/REST API listens on 127.0.0.1
/// with a generated API key.
///
/// Processes are started one per device (`STMONITORED=1`: Syncthing's own monitor process,
/// which would otherwise fork the real one, is left out, so the pid held here is the process
/// doing the work) and stopped by that pid: SIGTERM, then SIGKILL after a timeout. `stopAll`
/// runs on every exit path (the test's `defer`, and `deinit` as a backstop). Should the test
/// runner itself die (a crash elsewhere in the process), a watchdog started with each
/// instance — a shell that polls the runner's pid — stops that instance by its pid.
final class SyncthingMesh {
    static let folderID = "fieldnotes-team"

    struct Device {
        let name: String
        let home: URL
        /// This device's copy of the shared folder.
        let folder: URL
        let id: String
        let listenPort: Int
        let guiPort: Int
        let apiKey: String
        let log: URL
    }

    enum MeshError: Error, CustomStringConvertible {
        case notInstalled
        case failed(String)

        var description: String {
            switch self {
            case .notInstalled:
                "syncthing is not installed: run `apt-get install -y syncthing` (CI's .ci/run installs it). This test needs a real Syncthing and does not pass without one."
            case .failed(let message): message
            }
        }
    }

    let binary: URL
    let root: URL
    private(set) var devices: [Device] = []
    private var processes: [String: Process] = [:]
    private var watchdogs: [String: Process] = [:]

    /// The syncthing binary on PATH (or Debian's /usr/bin/syncthing), nil when not installed.
    static func installedBinary() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appending(path: "syncthing") }
            + [URL(fileURLWithPath: "/usr/bin/syncthing"), URL(fileURLWithPath: "/usr/local/bin/syncthing")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Generates a home and a config for each named device, all sharing one folder; starts
    /// nothing yet.
    init(names: [String], in root: URL) throws {
        guard let binary = Self.installedBinary() else { throw MeshError.notInstalled }
        self.binary = binary
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let ports = try Self.freePorts(2 * names.count)
        for (index, name) in names.enumerated() {
            let home = root.appending(path: "syncthing-\(name)")
            let log = root.appending(path: "syncthing-\(name).log")
            let generated = try Self.runToEnd(binary, ["generate", "--home", home.path, "--no-default-folder"], log: log, home: root)
            guard generated.status == 0 else { throw MeshError.failed("syncthing generate for \(name) failed: \(generated.output)") }
            let shown = try Self.runToEnd(binary, ["serve", "--home", home.path, "--device-id"], log: log, home: root)
            let id = shown.output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard shown.status == 0, id.count == 63 else { throw MeshError.failed("syncthing --device-id for \(name) gave: \(shown.output)") }
            let folder = root.appending(path: "share-\(name)")
            // The folder marker Syncthing requires; made here so the folder is valid from the start.
            try FileManager.default.createDirectory(at: folder.appending(path: ".stfolder"), withIntermediateDirectories: true)
            // What the README tells Syncthing users to add: without it Syncthing may start
            // copying a changeset still being written under its temporary name, and when the
            // name vanishes (renamed into place) the peer keeps its `.syncthing.*.tmp` of it
            // for a day — harmless to fieldnotes, but never "in step".
            try Data("(?d).writing-*.partial\n".utf8).write(to: folder.appending(path: ".stignore"))
            devices.append(Device(name: name, home: home, folder: folder, id: id, listenPort: ports[2 * index],
                                  guiPort: ports[2 * index + 1], apiKey: "fieldnotes-test-\(UUID().uuidString)", log: log))
        }
        for device in devices { try writeConfig(for: device) }
    }

    deinit { stopAll() }

    func device(_ name: String) -> Device { devices.first { $0.name == name }! }

    func isRunning(_ name: String) -> Bool { processes[name]?.isRunning == true }

    var running: [Device] { devices.filter { isRunning($0.name) } }

    /// A config.xml that shares the folder among all devices, listens on 127.0.0.1 only and
    /// has everything that reaches outside this machine turned off.
    private func writeConfig(for device: Device) throws {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let folderDevices = devices.map { "            <device id=\"\($0.id)\" introducedBy=\"\"></device>" }.joined(separator: "\n")
        let deviceEntries = devices.map { other in
            """
                <device id="\(other.id)" name="\(escaped(other.name))" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
                    <address>tcp://127.0.0.1:\(other.listenPort)</address>
                    <paused>false</paused>
                    <autoAcceptFolders>false</autoAcceptFolders>
                </device>
            """
        }.joined(separator: "\n")
        let config = """
            <configuration version="36">
                <folder id="\(Self.folderID)" label="fieldnotes team" path="\(escaped(device.folder.path))" type="sendreceive" rescanIntervalS="10" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
                    <filesystemType>basic</filesystemType>
            \(folderDevices)
                    <minDiskFree unit="%">0</minDiskFree>
                    <order>random</order>
                    <markerName>.stfolder</markerName>
                </folder>
            \(deviceEntries)
                <gui enabled="true" tls="false" debugging="false">
                    <address>127.0.0.1:\(device.guiPort)</address>
                    <apikey>\(device.apiKey)</apikey>
                    <theme>default</theme>
                </gui>
                <options>
                    <listenAddress>tcp://127.0.0.1:\(device.listenPort)</listenAddress>
                    <globalAnnounceEnabled>false</globalAnnounceEnabled>
                    <localAnnounceEnabled>false</localAnnounceEnabled>
                    <relaysEnabled>false</relaysEnabled>
                    <natEnabled>false</natEnabled>
                    <urAccepted>-1</urAccepted>
                    <urSeen>3</urSeen>
                    <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
                    <crashReportingEnabled>false</crashReportingEnabled>
                    <startBrowser>false</startBrowser>
                    <reconnectionIntervalS>1</reconnectionIntervalS>
                    <minHomeDiskFree unit="%">0</minHomeDiskFree>
                    <setLowPriority>false</setLowPriority>
                </options>
            </configuration>

            """
        try Data(config.utf8).write(to: device.home.appending(path: "config.xml"))
    }

    // MARK: Processes

    /// Starts a device's Syncthing (again, after `stop`: same home, same ports).
    func start(_ name: String) throws {
        guard !isRunning(name) else { return }
        let device = device(name)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--home", device.home.path, "--no-browser", "--no-restart", "--no-upgrade",
                             "--logflags=3"]
        process.environment = ["HOME": root.path, "PATH": "/usr/bin:/bin", "STMONITORED": "1", "STNOUPGRADE": "1",
                               "STNODEFAULTFOLDER": "1", "STNORESTART": "1"]
        if !FileManager.default.fileExists(atPath: device.log.path) {
            _ = FileManager.default.createFile(atPath: device.log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: device.log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        processes[name] = process
        watchdogs[name] = try? Self.watchdog(runner: getpid(), instance: process.processIdentifier)
    }

    /// A shell that waits while the test runner lives, then stops the instance by its pid
    /// (TERM, then KILL). Stopped by `stop` once the instance is stopped.
    private static func watchdog(runner: pid_t, instance: pid_t) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "while kill -0 \(runner) 2>/dev/null; do sleep 1; done; kill -TERM \(instance) 2>/dev/null; sleep 10; kill -KILL \(instance) 2>/dev/null"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Stops a device's Syncthing by its pid: SIGTERM, then SIGKILL if it has not exited
    /// within `timeout` seconds. Returns how it ended, for the log.
    @discardableResult
    func stop(_ name: String, timeout: Double = 10) -> String {
        defer {
            if let watchdog = watchdogs.removeValue(forKey: name), watchdog.isRunning {
                kill(watchdog.processIdentifier, SIGKILL)
                watchdog.waitUntilExit()
            }
        }
        guard let process = processes.removeValue(forKey: name) else { return "not started" }
        let pid = process.processIdentifier
        guard process.isRunning else { return "pid \(pid) had exited (\(process.terminationStatus))" }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return "pid \(pid) killed after \(timeout) s"
        }
        return "pid \(pid) stopped"
    }

    func stopAll() {
        for name in Array(processes.keys) { stop(name) }
    }

    /// The last lines of every device's log, for failure messages.
    func logTails(lines: Int = 15) -> String {
        devices.map { device in
            let text = (try? String(contentsOf: device.log, encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            return "--- syncthing \(device.name) (\(device.log.path)):\n\(tail)"
        }.joined(separator: "\n")
    }

    // MARK: REST

    /// A call to a device's REST API; the parsed JSON (nil for an empty answer).
    @discardableResult
    func rest(_ name: String, _ path: String, method: String = "GET", body: [String: Any]? = nil) async throws -> Any? {
        let device = device(name)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(device.guiPort)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        request.setValue(device.apiKey, forHTTPHeaderField: "X-API-Key")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw MeshError.failed("syncthing \(name): \(method) \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data.isEmpty ? nil : try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// Waits until every running device is up and connected to every other running device.
    func waitUntilConnected(timeout: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var missing: [String] = []
        while Date() < deadline {
            missing = []
            for device in running {
                let answer = try? await rest(device.name, "/rest/system/connections") as? [String: Any]
                let connections = answer?["connections"] as? [String: Any] ?? [:]
                for other in running where other.name != device.name {
                    if (connections[other.id] as? [String: Any])?["connected"] as? Bool != true {
                        missing.append("\(device.name)→\(other.name)")
                    }
                }
            }
            if missing.isEmpty { return }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw MeshError.failed("Syncthing devices not connected after \(Int(timeout)) s: \(missing.joined(separator: ", "))\n\(logTails())")
    }

    /// Limits (or, with nil, unlimits) what a device sends, also on the LAN (Syncthing does not
    /// limit LAN connections by default), so that a transfer takes long enough to be caught
    /// half-done.
    func limitSending(_ name: String, kibPerSecond: Int?) async throws {
        try await rest(name, "/rest/config/options", method: "PATCH",
                       body: ["maxSendKbps": kibPerSecond ?? 0, "limitBandwidthInLan": kibPerSecond != nil])
    }

    // MARK: Convergence

    /// One device's copy of the folder: every entry (but Syncthing's marker and ignore file,
    /// which it does not sync) by relative path,
    /// with its kind, size and modification time.
    func listing(_ name: String) -> [String: String] {
        let folder = device(name).folder
        var entries: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil, options: []) else { return [:] }
        let prefix = folder.standardizedFileURL.resolvingSymlinksInPath().path + "/"
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard path.hasPrefix(prefix) else { continue }
            let relative = String(path.dropFirst(prefix.count))
            if relative == ".stfolder" || relative.hasPrefix(".stfolder/") || relative.hasPrefix(".stversions") || relative == ".stignore" { continue }
            var status = stat()
            guard lstat(url.path, &status) == 0 else { continue }
            let directory = (status.st_mode & S_IFMT) == S_IFDIR
            entries[relative] = directory ? "dir" : "\(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }
        return entries
    }

    /// Files under a device's folder whose names are Syncthing's temporaries (a transfer in
    /// progress).
    func temporaries(_ name: String) -> [String] {
        listing(name).keys.filter { ($0 as NSString).lastPathComponent.hasPrefix(".syncthing.") }.sorted()
    }

    /// Waits until every running device holds the same folder — same names, sizes, times and
    /// bytes, no transfer in progress — and Syncthing says each is idle with nothing needed.
    /// Returns the seconds it took; throws naming what still differs.
    @discardableResult
    func waitUntilInSync(_ what: String, timeout: Double = 60) async throws -> Double {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        var why = ""
        while Date() < deadline {
            why = await differences()
            if why.isEmpty { return Date().timeIntervalSince(start) }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        throw MeshError.failed("Syncthing did not bring the folders in step (\(what)) within \(Int(timeout)) s: \(why)\n\(logTails())")
    }

    /// What keeps the running devices' folders from being in step; empty when they are.
    private func differences() async -> String {
        let devices = running
        guard let first = devices.first else { return "" }
        let reference = listing(first.name)
        for device in devices.dropFirst() {
            let other = listing(device.name)
            if other != reference {
                let differing = Set(reference.keys).symmetricDifference(other.keys)
                    .union(reference.keys.filter { other[$0] != nil && other[$0] != reference[$0] }).sorted()
                return "\(first.name) and \(device.name) differ in \(differing.count) entries, e.g. \(differing.prefix(4))"
            }
        }
        for device in devices {
            do {
                let status = try await rest(device.name, "/rest/db/status?folder=\(Self.folderID)") as? [String: Any] ?? [:]
                let state = status["state"] as? String ?? "?"
                let need = status["needTotalItems"] as? Int ?? -1
                if state != "idle" || need != 0 { return "\(device.name) is \(state), needing \(need) items" }
                if let errors = status["pullErrors"] as? Int, errors > 0 { return "\(device.name) has \(errors) pull errors" }
            } catch {
                return "\(device.name)'s REST API: \(error)"
            }
        }
        // Same listing everywhere: the bytes must be the same too.
        for (path, kind) in reference where kind != "dir" {
            let bytes = FileManager.default.contents(atPath: first.folder.appending(path: path).path)
            for device in devices.dropFirst() where FileManager.default.contents(atPath: device.folder.appending(path: path).path) != bytes {
                return "\(path) has other bytes on \(device.name) than on \(first.name)"
            }
        }
        return ""
    }

    // MARK: Helpers

    /// Free TCP ports on 127.0.0.1: each found by binding port 0, all held until every one is
    /// chosen so that none is handed out twice.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw MeshError.failed("socket: \(String(cString: strerror(errno)))") }
            sockets.append(descriptor)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw MeshError.failed("bind: \(String(cString: strerror(errno)))") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0 else { throw MeshError.failed("getsockname: \(String(cString: strerror(errno)))") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Runs a short syncthing command to its end; its output, also appended to `log`.
    private static func runToEnd(_ binary: URL, _ arguments: [String], log: URL, home: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "STNOUPGRADE": "1"]
        let output = log.deletingLastPathComponent().appending(path: ".\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text)
    }
}
