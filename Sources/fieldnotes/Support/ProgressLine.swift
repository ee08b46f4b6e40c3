import Foundation
import SyncEngine

/// A progress line on stderr for work that can take a while (CLI.md: "progress for work
/// longer than about a second goes to stderr, only on a terminal"): nothing when stderr is not
/// a terminal, nothing until the work has run for a second (quick work shows nothing),
/// redrawn at most ten times a second, and cleared when the work ends.
///
/// The libraries tell how far they have come through the sinks below; only this prints.
final class ProgressLine: Sendable {
    private let started = ContinuousClock.now
    /// How long work runs before its progress shows: a second, or `FIELDNOTES_PROGRESS_DELAY_MS`
    /// (for tests, which cannot wait for work that takes a second).
    private let delay: Duration
    private static let interval = Duration.milliseconds(100)
    private let state = Locked(State())

    private struct State {
        var lastShown: ContinuousClock.Instant?
    }

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        delay = environment["FIELDNOTES_PROGRESS_DELAY_MS"].flatMap { Int($0) }.map { .milliseconds(max(0, $0)) } ?? .seconds(1)
    }

    /// Shows `message` if the work has run long enough and the line was not just redrawn.
    func show(_ message: () -> String) {
        guard Console.stderrIsTerminal else { return }
        let now = ContinuousClock.now
        guard now - started >= delay else { return }
        state.withLock { state in
            if let last = state.lastShown, now - last < Self.interval { return }
            state.lastShown = now
            // One line, or the carriage return that redraws it would leave the rest behind.
            Console.progress(Text.truncate(message(), to: (Display.terminalWidth(of: STDERR_FILENO) ?? Display.fallbackWidth) - 1))
        }
    }

    /// Clears the line, if it showed.
    func end() {
        state.withLock { state in
            guard state.lastShown != nil else { return }
            state.lastShown = nil
            Console.endProgress()
        }
    }

    // MARK: - Sinks

    /// For ``Synchronizer``: imports, a first sync's catching up, and the files it writes.
    var sync: @Sendable (SyncProgress) -> Void {
        { [self] progress in
            show {
                let done = "\(progress.versions) of \(Text.plural(progress.total, "version"))"
                return switch progress.step {
                case .importing: "importing \(progress.file): \(done)"
                case .catchingUp: "catching up from \(progress.file): \(done)"
                case .writing: "writing \(progress.file): \(done)"
                }
            }
        }
    }

    /// For ``StoreVerifier``.
    func checked(_ count: Int, of total: Int) {
        show { "checking reports: \(count) of \(total)" }
    }
}
