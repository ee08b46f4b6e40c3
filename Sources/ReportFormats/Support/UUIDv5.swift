import Crypto
import Foundation

/// Name-based UUIDs, version 5 (RFC 9562 §5.5, RFC 4122 §4.3): the same namespace and name
/// always give the same UUID, on every machine.
///
/// The SHA-1 digest of the namespace's 16 bytes followed by the name's UTF-8 bytes; its first
/// 16 bytes, with the version (5) in the high nibble of byte 6 and the variant (`10`) in the
/// two high bits of byte 8. SHA-1 is used as a hash of names here, not for security, as the
/// RFC prescribes.
public enum UUIDv5 {
    /// The UUID for `name` in `namespace`. O(name's length).
    public static func uuid(namespace: UUID, name: String) -> UUID {
        var hasher = Insecure.SHA1()
        withUnsafeBytes(of: namespace.uuid) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(name.utf8))
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// The same, written in lowercase as STIX ids and fieldnotes' own ids are.
    public static func string(namespace: UUID, name: String) -> String {
        uuid(namespace: namespace, name: name).uuidString.lowercased()
    }
}
