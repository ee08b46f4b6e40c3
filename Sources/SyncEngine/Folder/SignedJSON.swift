import Crypto
import Foundation
import OfflineStore
import ReportModels

/// A JSON file a replica writes in its own directory of a shared folder, signed with its key
/// (DESIGN.md §9): its members, plus `key` (the signer's public key) and `signature` (Ed25519,
/// over the file's context and the canonical JSON of every other member, `key` included).
///
/// Signing proves who wrote the file, not that its writer is the replica whose directory holds
/// it: whose signature to expect is the reader's business (``FileSigners``). A file with
/// neither member is unsigned (written before replicas signed these files).
enum SignedJSON {
    /// The file: its members, `key` and `signature`, canonical JSON and a newline.
    static func encode(_ members: JSONObject, in context: SignatureContext, signedBy key: ReplicaSigningKey) -> Data {
        var members = members
        members["signature"] = nil
        members["key"] = .string(key.publicKey.hex)
        let signature = key.signature(for: JSONValue.object(members).canonicalBytes, in: context)
        members["signature"] = .string(signature.hex)
        return Data(JSONValue.object(members).canonicalBytes + [UInt8(ascii: "\n")])
    }

    /// The members of a file (without `key` and `signature`) and who signed it (nil: unsigned).
    /// Nil when it is not a JSON object of at most `maximumSize` bytes, or carries a key or a
    /// signature that is malformed or does not verify.
    ///
    /// `checked`: whether these bytes' signature was checked before (by their SHA-256), so
    /// need not be again; `verified` is told the digest of bytes whose signature it checked.
    static func open(_ bytes: some Collection<UInt8>, in context: SignatureContext, maximumSize: Int,
                     checked: (([UInt8]) -> Bool)? = nil, verified: (([UInt8]) -> Void)? = nil) -> (members: JSONObject, signer: ReplicaKey?)? {
        guard bytes.count <= maximumSize, case .object(var members)? = try? JSONValue(parsing: bytes) else { return nil }
        let key = members["key"], signature = members["signature"]
        guard key != nil || signature != nil else { return (members, nil) }
        guard let signer = key?.stringValue.flatMap(ReplicaKey.init(hex:)),
              let signature = signature?.stringValue.flatMap(Signature.init(hex:))
        else { return nil }
        members["signature"] = nil
        let digest = checked == nil && verified == nil ? [] : Array(SHA256.hash(data: Array(bytes)))
        if checked?(digest) != true {
            guard signature.verify(JSONValue.object(members).canonicalBytes, in: context, by: signer) else { return nil }
            verified?(digest)
        }
        members["key"] = nil
        return (members, signer)
    }
}

/// Whose signature this store expects on a replica's own files in a shared folder —
/// replica.json and team.json (DESIGN.md §9, §11): the key it has pinned for that replica, and
/// for itself its own. A file signed by another key, or unsigned where a key is pinned (forged,
/// or written by a fieldnotes before these files were signed), is not believed. A replica whose
/// key this store has not met is believed on its word, signed or not: nothing is known to
/// check it against (its changesets pin its key, as for any file).
struct FileSigners {
    /// Per replica, the one key whose signature is believed; nil for a revoked replica (nothing is).
    let pinned: [ReplicaID: ReplicaKey?]
    /// The replica.json files whose signatures this store checked: the same bytes again are not
    /// checked again (an Ed25519 check per writer was most of a sync that finds nothing new).
    let checkedInfos: CheckedFiles

    /// Per writer, the SHA-256 of its last file whose signature was checked; what a sync checks
    /// anew (`new`) is kept in the store at its end (`Store/recordVerifiedFiles(_:kind:)`).
    final class CheckedFiles {
        private(set) var digests: [String: [UInt8]]
        private(set) var new: [String: [UInt8]] = [:]
        init(_ digests: [String: [UInt8]]) { self.digests = digests }
        func contains(_ digest: [UInt8], from writer: ReplicaID) -> Bool { digests[writer.rawValue] == digest }
        func add(_ digest: [UInt8], from writer: ReplicaID) {
            digests[writer.rawValue] = digest
            new[writer.rawValue] = digest
        }
    }

    init(_ store: Store) throws {
        var pinned: [ReplicaID: ReplicaKey?] = [:]
        for known in try store.knownKeys() where known.replacedBy == nil {
            pinned[known.replica] = known.trust == .revoked ? .some(nil) : known.key
        }
        if let own = store.publicKey { pinned[store.identity.replica] = own }
        self.pinned = pinned
        checkedInfos = CheckedFiles(try store.verifiedFiles(kind: ReplicaInfo.fileName))
    }

    /// Whether a file in `writer`'s directory, signed by `signer` (nil: unsigned), is believed.
    func believes(_ signer: ReplicaKey?, from writer: ReplicaID) -> Bool {
        guard let expected = pinned[writer] else { return true }
        return expected != nil && signer == expected
    }
}
