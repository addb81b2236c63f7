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
