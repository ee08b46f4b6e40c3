import Foundation
import ReportModels
@testable import SyncEngine
import Testing

/// Every input the fuzzer found crashing (`Fuzz/Regressions`) and every known-bad seed
/// (`Fuzz/Corpus/bad`), fed to the fuzzer's own code (`FuzzTarget.swift`, the file the fuzzer
/// is built from) as it does, and to the decoder it reaches, which must refuse it with its
/// own error.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Fuzz")

    static var inputs: [String] {
        ["Regressions", "Corpus/bad"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: fuzz.appending(path: folder).path)) ?? [])
                .filter { !$0.hasSuffix(".md") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    @Test(arguments: inputs)
    func isRefusedCleanly(_ path: String) throws {
        let input = Array(try Data(contentsOf: Self.fuzz.appending(path: path)))
        FuzzTarget.run(input)  // crashes, as in the fuzzer, on what it must not do
        let data = Array(input.dropFirst())
        switch input.first {
        case UInt8(ascii: "C"):
            #expect(throws: ChangesetError.self) { try ChangesetReader.read(bytes: data, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
        case UInt8(ascii: "K"):
            #expect(throws: ChangesetError.self) {
                try ChangesetReader.read(bytes: Array(data.dropFirst()), chunkSize: Int(data.first ?? 0) + 1, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in }
            }
        case UInt8(ascii: "P"):
            #expect(throws: ChangesetError.self) { try ChangesetReader.read(bytes: FuzzTarget.wrapping(payload: data)) { _, _ in } }
        case UInt8(ascii: "S"):
            #expect(throws: ChangesetError.self) {
                try ChangesetReader.read(bytes: FuzzTarget.signedFile(payload: Array(data.dropFirst()), identityCount: Int(data.first ?? 0))) { _, _ in }
            }
        case UInt8(ascii: "E"):
            #expect(throws: ChangesetError.self) {
                try ChangesetReader.read(bytes: FuzzTarget.encryptedFile(payload: Array(data.dropFirst()), identityCount: Int(data.first ?? 0)),
                                         teamKey: FuzzTarget.fuzzTeamKey) { _, _ in }
            }
        case UInt8(ascii: "V"):
            #expect(throws: ShapeError.self) { try Version(encoded: data) }
        case UInt8(ascii: "N"):
            #expect(SharedFolder.sequence(ofFileNamed: String(decoding: data, as: UTF8.self)) == nil)
        case UInt8(ascii: "R"):
            break  // what replica.json's parser must refuse is up to it
        default:
            Issue.record("\(path): its first byte names nothing the fuzzer feeds")
        }
    }
}
