import Foundation
import NIOCore

/// Who is calling: the kernel's word for the Unix socket, the address for TCP.
enum PeerIdentity {
    /// The caller's credentials from SO_PEERCRED, or nil when the socket cannot tell.
    static func unixCredentials(of channel: Channel) -> EventLoopFuture<UnixPeer?> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { credentials -> UnixPeer? in
            UnixPeer(uid: credentials.uid, gid: credentials.gid)
        }.recover { _ in nil }
    }

    /// `uid 1000 (amy)` from SO_PEERCRED, or nil when the socket cannot tell.
    static func unixPeer(of channel: Channel) -> EventLoopFuture<String?> {
        unixCredentials(of: channel).map { $0?.description }
    }

    static func userName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    /// Group `slad`'s gid, looked up once (nil on a machine without the group, e.g. a developer's).
    static let operatorGroup = groupID("slad")

    /// The gid of a group by name (`slad`), or nil when there is none.
    static func groupID(_ name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// Whether the user `uid` (primary group `gid`) is a member of group `target`, primary or
    /// supplementary (from the group database, as `id` shows it).
    static func isMember(uid: uid_t, gid: gid_t, of target: gid_t) -> Bool {
        if gid == target { return true }
        guard let name = userName(uid) else { return false }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, gid, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(target)
    }

    /// Compares the presented bearer token with the expected one in constant time (no early exit
    /// on the first differing byte), so timing says nothing about the token.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        return constantTimeEqual(String(header.dropFirst("Bearer ".count)), token)
    }

    static func constantTimeEqual(_ presentedText: String, _ expectedText: String) -> Bool {
        let presented = Array(presentedText.utf8)
        let expected = Array(expectedText.utf8)
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}

/// The kernel's word on a Unix-socket caller, fixed at connect (and so asked once per connection,
/// with the group database).
public struct UnixPeer: Sendable, CustomStringConvertible {
    public let uid: UInt32
    public let gid: UInt32
    /// `uid 1000 (amy)`.
    public let description: String
    /// A member of group `slad` (primary or supplementary) when it connected.
    public let inOperatorGroup: Bool

    init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
        description = "uid \(uid)" + (PeerIdentity.userName(uid).map { " (\($0))" } ?? "")
        inOperatorGroup =
            uid != 0 && PeerIdentity.operatorGroup.map { PeerIdentity.isMember(uid: uid, gid: gid, of: $0) } == true
    }
}

/// Linux's `struct ucred` (hidden by glibc without _GNU_SOURCE): what SO_PEERCRED returns.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
