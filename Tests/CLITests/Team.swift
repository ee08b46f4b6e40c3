import Foundation
import Testing

/// Analysts with their own stores and one shared folder, in a sandbox; the first analyst
/// has added the sample report and everyone has synced it.
struct Team {
    let sandbox: Sandbox
    let shared: String
    let id: String
    private let stores: [String: URL]

    init(_ analysts: [String] = ["alice", "bob"]) throws {
        sandbox = try Sandbox()
        var stores: [String: URL] = [:]
        for analyst in analysts {
            let store = sandbox.folder.appending(path: analyst)
            try sandbox.initialize(analyst: analyst, at: store)
            stores[analyst] = store
        }
        self.stores = stores
        shared = sandbox.folder.appending(path: "shared").path
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        sandbox.store = stores[analysts[0]]!
        id = try sandbox.addSample()
        for analyst in analysts { try sandbox.ok(["sync", shared, "--store", stores[analyst]!.path]) }
    }

    func store(_ analyst: String) -> URL { stores[analyst]! }

    /// Runs a command that must succeed as `analyst`.
    @discardableResult
    func ok(_ analyst: String, _ arguments: [String], environment: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try sandbox.ok(arguments + ["--store", store(analyst).path], environment: environment, sourceLocation: sourceLocation)
    }

    func json(_ analyst: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        try sandbox.json(arguments + ["--store", store(analyst).path], sourceLocation: sourceLocation)
    }

    /// Runs a command as `analyst` that must be refused with the store unchanged.
    @discardableResult
    func refused(_ analyst: String, _ arguments: [String], environment: [String: String] = [:],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let original = sandbox.store
        sandbox.store = store(analyst)
        defer { sandbox.store = original }
        return try sandbox.refused(arguments + ["--store", store(analyst).path], environment: environment, sourceLocation: sourceLocation)
    }

    /// Every analyst syncs, in turn, until everyone has everything (two rounds).
    func syncAll(_ analysts: [String]) throws {
        for _ in 0..<2 {
            for analyst in analysts { try ok(analyst, ["sync", shared]) }
        }
    }

    func replica(_ analyst: String) throws -> String {
        try #require((try json(analyst, ["status"]) as? [String: Any])?["replica"] as? String)
    }

    func report(_ analyst: String) throws -> [String: Any] {
        try #require(try json(analyst, ["show", id]) as? [String: Any])
    }

    func conflictFields(_ analyst: String) throws -> [String] {
        (try report(analyst)["conflicts"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }

    func showJSON(_ analyst: String) throws -> String { try ok(analyst, ["show", id, "--json"]) }
}
