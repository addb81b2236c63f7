/// Fixed 128-bit ids of the journal entries ops care about: `journalctl MESSAGE_ID=...` finds them,
/// and `systemd/slad.catalog` explains each one for `journalctl -x`. Never change a shipped id.
/// Its own small module: the daemon, the scheduler and delivery log them, and none of them should
/// depend on another for a list of constants.
public enum MessageID {
    public static let caseOpened = "6a787184f0944e3780ab2e767e928cb4"
    public static let clockWarning = "938f7cdede0c4ac7b567d7483688ab6a"
    public static let clockBreached = "1b9ff8b7adc34c6ba790ac1e830ad436"
    public static let escalated = "24b61f836c7340b19a915112cd119c3e"
    public static let clockMet = "bb33958c95de4061b14615dd59d75c83"
    public static let recovered = "b1020de43b7e44dbb35f65049d92518f"
    public static let policyReloaded = "90fd0944facb46babadf6941530a2027"
    public static let policyRefused = "150ff82ebd2a4cea99339fbc5abdb608"
    public static let storeFailed = "a4c6f9afcdea4de8a170210d1b61bf7b"
    public static let deliveryFailed = "bad66dad341c4ac9918a6cbb8ff954ce"
    public static let purged = "8a0c4e2b9f6d4b7e9c1a3d5f7b9e1c2a"
    public static let casesOrphaned = "5d2f0c9e8b7a4e61a3c4d2b1f0e9d8c7"
}

extension MessageID {
    /// A reload (or a start on changed rules) recomputed running deadlines: how many moved.
    public static let deadlinesRecomputed = "3f6b2d8e1c7a4f0b9e5d2a6c8b1f4e7d"
    /// A calendar's holiday data ends within its warning window, or has ended.
    public static let calendarDataEnding = "c41e7a9b2d5f4c3a8e6b0d1f9a2c7e5b"
    /// A deadline was counted past its calendar's holiday data: it is provisional.
    public static let deadlineProvisional = "7d2a5c8f0e3b4a6d9c1e8b4f2a7d0c63"
    /// A robot or sendmail refused a message (vendor code and message in the entry); it is retried.
    public static let deliveryRefused = "3e0d5b8f6c2a4f19b7d4a1c96e2f8b53"
}

extension MessageID {
    /// Replication to HQ started: the store id, HQ's URL, where it resumes, the backfill enqueued.
    public static let replicationStarted = "b5f3b144fb14458ab5d8aa79872f61bb"
    /// Replication to HQ fails (once per outage): the store keeps working, changes wait.
    public static let replicationFailing = "99c9bc6ed6984c688b1656b3d579474c"
    /// Replication to HQ caught up after an outage: how long, how many changes shipped.
    public static let replicationRecovered = "f65dec40ede14727820f14525784f905"
    /// The oldest change not yet at HQ is older than warn-backlog-seconds.
    public static let replicationBehind = "54e561a4ff4e4b19ab0f82ef6ae99a4d"
}

// Access control and audit (accounts, tokens, sign-ins, TLS).
extension MessageID {
    /// A person signed in to the console (name, peer address).
    public static let signedIn = "434e5a67bd50409885e7968c4289e5f5"
    /// A sign-in or bearer token was refused (name or token id unknown, wrong password; never the secret).
    public static let signInFailed = "88645a1b440a4553937384a561197cdf"
    /// Too many failures from one name or address: refused for a while (429).
    public static let signInThrottled = "abcdb79e2dc6477fa63299479607fb5e"
    /// An API token was issued or revoked.
    public static let tokenChanged = "12f5f2bab9ac45e38355ab34b00d93ff"
    /// A user was added, disabled, enabled, or their role, stores or uid changed.
    public static let userChanged = "d48d0a4dfda9491f96a155bc58b79aa1"
    /// A user's password was changed (their sessions ended).
    public static let passwordChanged = "79c0a6b31f7a448eb7a8c4024097a529"
    /// An escalation entry was acknowledged, by whom.
    public static let acknowledged = "8cd8fde82fab4bbb9927f9e6b99c2046"
    /// The TLS certificate was loaded or reloaded, or a reload was refused (the old one stays).
    public static let tlsCertificate = "cd57d9742bf04881862e65f7605a1fc4"
    /// A caller the socket or the TCP listener does not admit (unknown uid, missing credentials).
    public static let accessRefused = "8977f9b12fcf4fff8a025c625fa8db19"
}

// Delivery: the contacts file.
extension MessageID {
    /// The contacts file (phone numbers, mail addresses) is readable by every user.
    public static let contactsExposed = "cb10de1f82344b8eaf795438e46d6fdd"
}
