// The fuzzer's entry point. `Scripts/fuzz` builds this target with `-sanitize=fuzzer,address`
// and `-D FUZZING`: its `main` then hands each input libFuzzer makes to `FuzzTarget.run`.
// Any other build (a plain `swift build`) gets a stub that says so, so that the package
// builds without libFuzzer.

import Foundation

#if FUZZING
import CFuzzerDriver

@main
enum Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
    }
}

#else

@main
enum FuzzStub {
    static func main() {
        FileHandle.standardError.write(Data("fieldnotes-fuzz is built by Scripts/fuzz (with -sanitize=fuzzer); this build is a stub\n".utf8))
        exit(2)
    }
}

#endif
