import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every version of a report: dot, analyst, time, clock, fields changed.",
            discussion: "Oldest first. Versions made concurrently, without seeing each other, are marked (the first 50 of them by dot, and how many there are), and so are conflicts a version resolved.")

        @Argument(help: "The report's id or a unique prefix (deleted reports too).", completion: Completions.reports(.all)) var id: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let entries = try store.history(of: reportID).log
            let unsigned = try store.unsignedVersions(of: reportID)
            if output.json {
                Console.printJSON(.array(entries.map { entry in
                    .object([
                        "version": .string(entry.version.dot.description),
                        "replica": .string(entry.version.dot.replica.rawValue),
                        "author": .string(entry.version.author),
                        "time": .string(entry.version.time.description),
                        "clock": entry.version.clock.json,
                        "changed": .array(entry.changed.map { .string($0.description) }),
                        "concurrent": .array(entry.concurrent.map { .string($0.description) }),
                        "concurrentCount": .int(Int64(entry.concurrentCount)),
                        "resolved": .array(entry.resolved.map { .string($0.description) }),
                        "signed": .bool(!unsigned.contains(entry.version.dot)),
                    ])
                }))
                return
            }
            for entry in entries {
                let version = entry.version
                // A version that arrived before its maker signed (DESIGN.md §9) says so.
                let heading = "\(version.dot.short)  \(version.author)  \(Text.time(version.time))"
                    + (unsigned.contains(version.dot) ? "  unsigned" : "")
                let clock = Text.clock(version.clock)
                if Text.columns(heading) + 2 + Text.columns(clock) <= Text.width {
                    print(Console.bold(version.dot.short) + heading.dropFirst(version.dot.short.count) + "  " + Console.dim(clock))
                } else {
                    // Many replicas' entries: the clock on lines of its own.
                    print(Console.bold(version.dot.short) + heading.dropFirst(version.dot.short.count))
                    print(Console.dim(Text.wrap(clock, prefix: "  clock ", indent: 8)))
                }
                if entry.isCreation {
                    print("  created")
                } else {
                    let changed = entry.changed.isEmpty ? "(nothing)" : entry.changed.map { field in
                        entry.resolved.contains(field) ? "\(field) (resolved)" : field.description
                    }.joined(separator: ", ")
                    print(Text.wrap(changed, prefix: "  changed: ", indent: 11))
                }
                if !entry.concurrent.isEmpty {
                    let more = entry.concurrentCount - entry.concurrent.count
                    let listed = entry.concurrent.map(\.short).joined(separator: ", ") + (more > 0 ? " and \(more) more" : "")
                    print(Console.dim(Text.wrap("concurrent with " + listed, prefix: "  ", indent: 4)))
                }
            }
        }
    }
}
