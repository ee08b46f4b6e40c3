@testable import ReportModels
import Testing

/// A card and the rotations that lead to its key, as a changeset carries them.
@Suite("Identity lines")
struct IdentityLineTests {
    let replica = ReplicaID("3f2a9c1b-0000-4000-8000-000000000001")!
    let time = Timestamp(millisecondsSince1970: 1_719_144_000_000)

    /// A replica that went through `keys.count - 1` rotations, and its line.
    func chain(_ count: Int, analyst: String = "alice") throws -> (keys: [ReplicaSigningKey], line: IdentityLine) {
        let keys = (0..<count).map { _ in ReplicaSigningKey() }
        let rotations = zip(keys, keys.dropFirst()).enumerated().map { index, pair in
            KeyRotation.make(replica: replica, from: pair.0, to: pair.1, time: Timestamp(millisecondsSince1970: time.millisecondsSince1970 + Int64(index)))
        }
        let card = try IdentityCard.make(replica: replica, analyst: analyst, signingKey: keys.last!, created: time)
        return (keys, try IdentityLine(card: card, rotations: rotations))
    }

    @Test func aLineRoundTripsAndVerifies() throws {
        for count in [1, 2, 5, IdentityLine.maximumRotations + 1] {
            let (keys, line) = try chain(count)
            #expect(line.verify() && line.verificationProblem() == nil)
            #expect(line.keys == keys.reversed().map(\.publicKey), "newest first")
            #expect(try IdentityLine(encoded: line.encoded) == line)
            #expect(try IdentityLine(json: line.json) == line)
            #expect(line.encoded.count <= IdentityLine.maximumEncodedSize)
        }
        let (_, single) = try chain(1)
        #expect(String(decoding: single.encoded, as: UTF8.self)
            == #"{"card":\#(String(decoding: single.card.encoded, as: UTF8.self)),"rotations":[]}"#)
    }

    @Test func theLongestLineFits() throws {
        let keys = (0...IdentityLine.maximumRotations).map { _ in ReplicaSigningKey() }
        let rotations = zip(keys, keys.dropFirst()).map { KeyRotation.make(replica: replica, from: $0, to: $1, time: time) }
        let card = try IdentityCard.make(replica: replica, analyst: String(repeating: "\u{1F469}\u{200D}\u{1F52C}", count: 200),
                                         signingKey: keys.last!, created: time)
        let line = try IdentityLine(card: card, rotations: rotations)
        #expect(line.encoded.count <= IdentityLine.maximumEncodedSize)
        #expect(try IdentityLine(encoded: line.encoded) == line)
    }

    @Test func aChainThatDoesNotLinkUpIsRefused() throws {
        let (keys, line) = try chain(4)
        let rotations = line.rotations
        let card = line.card
        let stranger = ReplicaSigningKey()
        let cases: [(String, [KeyRotation], String)] = [
            ("a rotation missing in the middle", [rotations[0], rotations[2]], "not the old key of the rotation after it"),
            ("out of order", [rotations[1], rotations[0], rotations[2]], "chain is broken"),
            ("not ending at the card's key", Array(rotations.prefix(2)), "not the card's key"),
            ("another replica's rotation", [KeyRotation.make(replica: ReplicaID(), from: keys[2], to: keys[3], time: time)],
             "not of the card's"),
            ("a loop", [KeyRotation.make(replica: replica, from: keys[3], to: stranger, time: time),
                        KeyRotation.make(replica: replica, from: stranger, to: keys[3], time: time)], "comes twice"),
        ]
        for (name, chain, reason) in cases {
            #expect(throws: ShapeError.self, "\(name)") { try IdentityLine(card: card, rotations: chain) }
            do {
                _ = try IdentityLine(card: card, rotations: chain)
            } catch {
                #expect(error.description.contains(reason), "\(name): \(error)")
            }
            // The same, read from JSON.
            let json = JSONValue.object(["card": card.json, "rotations": .array(chain.map(\.json))])
            #expect(throws: ShapeError.self, "\(name)") { try IdentityLine(json: json) }
        }
        let many = (0...IdentityLine.maximumRotations + 1).map { _ in ReplicaSigningKey() }
        let tooMany = zip(many, many.dropFirst()).map { KeyRotation.make(replica: replica, from: $0, to: $1, time: time) }
        let last = try IdentityCard.make(replica: replica, analyst: "alice", signingKey: many.last!)
        #expect(throws: ShapeError.self) { try IdentityLine(card: last, rotations: tooMany) }
        #expect(try IdentityLine(card: last, rotations: Array(tooMany.dropFirst())).verify())
    }

    @Test func aLineWhosePartsDoNotVerifyIsWellFormedButDoesNotVerify() throws {
        let (keys, line) = try chain(3)
        // The middle rotation's new-key signature replaced by one of another context.
        guard case .object(var object) = line.rotations[1].json else { preconditionFailure() }
        object["newSignature"] = .string(keys[2].signature(for: line.rotations[1].signedBytes, in: .identityCard).hex)
        let broken = try IdentityLine(card: line.card, rotations: [line.rotations[0], KeyRotation(json: .object(object))])
        #expect(!broken.verify())
        #expect(broken.verificationProblem()?.contains("key rotation 2") == true)
        // A card signed by another key than its own.
        guard case .object(var card) = line.card.json else { preconditionFailure() }
        card["analyst"] = .string("mallory")
        let forged = try IdentityLine(card: IdentityCard(json: .object(card)), rotations: line.rotations)
        #expect(forged.verificationProblem()?.contains("not signed by its own key") == true)
    }

    @Test func linesAreReadStrictly() throws {
        let (_, line) = try chain(2)
        let text = String(decoding: line.encoded, as: UTF8.self)
        let card = String(decoding: line.card.encoded, as: UTF8.self)
        let spellings = [
            " " + text,
            text.replacingOccurrences(of: #","rotations":"#, with: #", "rotations":"#),
            #"{"rotations":\#(text.split(separator: "\"rotations\":").last!.dropLast()),"card":\#(card)}"#,
        ]
        for spelling in spellings {
            #expect(throws: ShapeError.self, "\(spelling.prefix(60))") { try IdentityLine(encoded: Array(spelling.utf8)) }
        }
        let wrong = [
            "", "{}", "[]", "null", text + "\n", String(text.dropLast()),
            #"{"card":\#(card)}"#,
            #"{"rotations":[]}"#,
            #"{"card":\#(card),"rotations":[],"signature":"00"}"#,
            #"{"card":\#(card),"rotations":{}}"#,
            #"{"card":[\#(card)],"rotations":[]}"#,
            #"{"card":\#(card),"rotations":[1]}"#,
        ]
        for garbage in wrong {
            #expect(throws: ShapeError.self, "\(garbage.prefix(60))") { try IdentityLine(encoded: Array(garbage.utf8)) }
        }
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: IdentityLine.maximumEncodedSize + 1)
        #expect { try IdentityLine(encoded: huge) } throws: { ($0 as? ShapeError)?.problem.contains("at most") == true }
        // 17 rotations are refused before any is read.
        let rotations = JSONValue.array(Array(repeating: line.rotations[0].json, count: IdentityLine.maximumRotations + 1))
        #expect { try IdentityLine(json: .object(["card": line.card.json, "rotations": rotations])) } throws: {
            ($0 as? ShapeError)?.problem.contains("at most 16 key rotations") == true
        }
        // Where in the line a problem is.
        guard case .object(var object) = line.card.json else { preconditionFailure() }
        object["key"] = .int(1)
        #expect { try IdentityLine(json: .object(["card": .object(object), "rotations": .array([])])) } throws: {
            ($0 as? ShapeError)?.path == "card.key"
        }
    }
}
