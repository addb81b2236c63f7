import Foundation

/// slad's user namespace. Under the shipped unit (`PrivateUsers=yes`) only root and slad's own
/// user are mapped: every other caller of the socket reads as the overflow uid (65534), so slad
/// cannot tell them apart. The socket's mode (0660, group slad) already admitted only members of
/// group slad, so such a caller is an operator, and `user add --uid` mappings need a drop-in with
/// `PrivateUsers=no`.
enum UserNamespace {
    /// True when some uids are not mapped (`/proc/self/uid_map` is not the identity of all uids).
    static let restricted: Bool = {
        guard let map = try? String(contentsOfFile: "/proc/self/uid_map", encoding: .utf8) else { return false }
        let lines = map.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        return !(lines.count == 1 && lines[0] == ["0", "0", "4294967295"])
    }()

    /// The uid an unmapped caller reads as.
    static let overflowUID: UInt32 = {
        let text = try? String(contentsOfFile: "/proc/sys/kernel/overflowuid", encoding: .utf8)
        return text.flatMap { UInt32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 65534
    }()

    /// Whether `uid` is a caller slad's namespace cannot see.
    static func hides(_ uid: UInt32) -> Bool {
        restricted && uid == overflowUID
    }
}
