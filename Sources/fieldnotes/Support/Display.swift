import ArgumentParser
import Foundation

/// `--color` and `--no-pager`, on every command that prints (CLI.md, "Shell"). Like `--store`,
/// they may also come before the command (`fieldnotes --no-pager log ID`).
struct DisplayOptions: ParsableArguments {
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
        case auto, always, never
    }

    @Option(name: .customLong("color"),
            help: ArgumentHelp("Colour: auto (on a terminal, unless NO_COLOR is set), always or never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(name: .customLong("no-pager"), help: "Print long output directly instead of through $PAGER.")
    var noPager = false
}

/// How this run's output meets a person, decided once in `Fieldnotes.main` from the options,
/// the environment and the real terminal — before a pager takes over stdout, so that output
/// sent through the pager is laid out, coloured and escaped as for the terminal behind it.
struct Display: Sendable, Equatable {
    var stdoutIsTerminal: Bool
    var stderrIsTerminal: Bool
    /// Styles become escape sequences (`Terminal.styled`); control characters from the text
    /// are escaped whatever this says.
    var colour: Bool
    /// The columns text is laid out in; ``unbounded`` for output that is not read on a
    /// terminal, which is never wrapped or cut to a width.
    var width: Int

    /// No width: large enough that no line reaches it, small enough that layouts can subtract
    /// from it without overflowing.
    static let unbounded = Int.max / 4
    /// `COLUMNS` is believed within these bounds; other values are ignored.
    static let columnsRange = 20...1000
    static let fallbackWidth = 80

    /// Until `Fieldnotes.main` decides: plain text laid out for 80 columns, which is what
    /// in-process callers (the tests, the demo's inner commands before main ran) see.
    private static let decided = Locked(Display(
        stdoutIsTerminal: isatty(STDOUT_FILENO) == 1, stderrIsTerminal: isatty(STDERR_FILENO) == 1,
        colour: false, width: fallbackWidth))

    static var current: Display {
        get { decided.withLock { $0 } }
        set { decided.withLock { $0 = newValue } }
    }

    /// The rules of CLI.md's "Shell", from what was found (pure, so that tests can ask it):
    ///
    /// - colour: `always` and `never` are obeyed as given (an explicit `--color=always` wins
    ///   over `NO_COLOR`, as with `ls` and `git`); `auto` colours a terminal unless `NO_COLOR`
    ///   is set to anything but "".
    /// - width: `COLUMNS`, when it is a whole number (bounded to ``columnsRange``), even for
    ///   output that is piped — setting it is how a script or a test asks for a width; else
    ///   the terminal's width when stdout is one (80 if it cannot be read); else ``unbounded``:
    ///   piped output is never wrapped or cut.
    static func decide(color: DisplayOptions.ColorChoice, environment: [String: String],
                       stdoutIsTerminal: Bool, stderrIsTerminal: Bool, terminalWidth: () -> Int?) -> Display {
        let colour = switch color {
        case .always: true
        case .never: false
        case .auto: stdoutIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty
        }
        let width = columns(environment["COLUMNS"])
            ?? (stdoutIsTerminal ? terminalWidth() ?? fallbackWidth : unbounded)
        return Display(stdoutIsTerminal: stdoutIsTerminal, stderrIsTerminal: stderrIsTerminal, colour: colour, width: width)
    }

    /// `COLUMNS` as a width: a positive whole number, brought within ``columnsRange``; nil when
    /// unset or not a number.
    static func columns(_ text: String?) -> Int? {
        guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
        return min(max(value, columnsRange.lowerBound), columnsRange.upperBound)
    }

    /// The width of the terminal `descriptor` is, nil when it is none or says 0.
    static func terminalWidth(of descriptor: Int32) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The display options a parsed command was given: its `DisplayOptions` group (found by
    /// type, so a command only has to declare the group), or the defaults.
    static func options(of command: ParsableCommand) -> (color: DisplayOptions.ColorChoice, noPager: Bool) {
        for child in Mirror(reflecting: command).children {
            if let group = child.value as? OptionGroup<DisplayOptions> {
                return (group.wrappedValue.color, group.wrappedValue.noPager)
            }
        }
        return (.auto, false)
    }
}
