import Logging
import SLAMessageIDs

/// The journal's audit trail of access: sign-ins, refusals, tokens, user changes and
/// acknowledgements, each with its own MESSAGE_ID (systemd/slad.catalog). Never a password, token
/// or cookie: only names, ids and addresses.
public struct AuditLog: Sendable {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func signedIn(name: String, address: String) {
        logger.notice(
            "sign-in: \(name) from \(address)",
            metadata: ["message_id": "\(MessageID.signedIn)", "sla_user": "\(name)", "sla_peer": "\(address)"])
    }

    public func signInFailed(name: String, address: String, why: String) {
        logger.warning(
            "sign-in failed: '\(name)' from \(address): \(why)",
            metadata: ["message_id": "\(MessageID.signInFailed)", "sla_user": "\(name)", "sla_peer": "\(address)"])
    }

    public func tokenRefused(address: String) {
        logger.warning(
            "refused a TCP request without the right bearer token from \(address)",
            metadata: ["message_id": "\(MessageID.signInFailed)", "sla_peer": "\(address)"])
    }

    public func throttled(who: String, seconds: Int64) {
        logger.warning(
            "too many failed attempts: \(who) refused for \(seconds) s",
            metadata: ["message_id": "\(MessageID.signInThrottled)"])
    }

    public func refused(_ what: String, peer: String) {
        logger.warning(
            "access refused: \(what)", metadata: ["message_id": "\(MessageID.accessRefused)", "sla_peer": "\(peer)"])
    }

    public func tokenIssued(id: Int64, user: String, label: String?, by actor: String) {
        logger.notice(
            "token \(id) issued for \(user)\(label.map { " (\($0))" } ?? "") by \(actor)",
            metadata: ["message_id": "\(MessageID.tokenChanged)", "sla_user": "\(user)"])
    }

    public func tokenRevoked(id: Int64, user: String, by actor: String) {
        logger.notice(
            "token \(id) of \(user) revoked by \(actor)",
            metadata: ["message_id": "\(MessageID.tokenChanged)", "sla_user": "\(user)"])
    }

    public func userChanged(_ user: String, _ change: String, by actor: String) {
        logger.notice(
            "user \(user) \(change) by \(actor)",
            metadata: ["message_id": "\(MessageID.userChanged)", "sla_user": "\(user)"])
    }

    public func passwordChanged(_ user: String, by actor: String) {
        logger.notice(
            "password of \(user) changed by \(actor); their sessions ended",
            metadata: ["message_id": "\(MessageID.passwordChanged)", "sla_user": "\(user)"])
    }

    public func acknowledged(entry: Int64, caseID: String, store: String, by actor: String) {
        logger.notice(
            "entry \(entry) of case \(caseID) acknowledged by \(actor)",
            metadata: [
                "message_id": "\(MessageID.acknowledged)", "sla_case": "\(caseID)", "sla_store": "\(store)",
                "sla_entry": "\(entry)",
            ])
    }
}
