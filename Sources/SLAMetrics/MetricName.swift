/// Every metric slad exports: its Prometheus name and the HELP line a scraper shows.
///
/// Names follow Prometheus' conventions: the `slad_` prefix, base units (seconds, bytes) in the
/// name, `_total` on counters. The `process_` ones are the names every Prometheus client uses.
public enum MetricName: String, CaseIterable, Sendable {
    // Gauges read at each scrape.
    case casesOpen = "slad_cases_open"
    case clocksRunning = "slad_clocks_running"
    case clocksPaused = "slad_clocks_paused"
    case casesFrozen = "slad_cases_frozen"
    case entriesPending = "slad_entries_pending"
    case deliveriesPending = "slad_deliveries_pending"
    case nextDeadline = "slad_next_deadline_timestamp_seconds"
    case storeFailing = "slad_store_failing"
    case storeFailed = "slad_store_failed"
    case holidayDataEnd = "slad_calendar_holiday_data_end_timestamp_seconds"
    case buildInfo = "slad_build_info"
    // Counters.
    case clocksMet = "slad_clocks_met_total"
    case clocksBreached = "slad_clocks_breached_total"
    case warnings = "slad_warnings_total"
    case escalations = "slad_escalations_total"
    case entriesSkipped = "slad_entries_skipped_total"
    case deliveriesSent = "slad_deliveries_sent_total"
    case deliveryRetries = "slad_delivery_retries_total"
    case deliveriesFailed = "slad_deliveries_failed_total"
    case policyReloads = "slad_policy_reloads_total"
    // Histograms.
    case entryLateness = "slad_entry_write_lateness_seconds"
    case deliveryLateness = "slad_delivery_lateness_seconds"
    case groupCommitWrites = "slad_group_commit_writes"
    case groupCommitDuration = "slad_group_commit_duration_seconds"
    case storeSync = "slad_store_sync_seconds"
    // The process, under the standard names.
    case processCPU = "process_cpu_seconds_total"
    case processResident = "process_resident_memory_bytes"
    case processVirtual = "process_virtual_memory_bytes"
    case processOpenFDs = "process_open_fds"
    case processMaxFDs = "process_max_fds"
    case processStart = "process_start_time_seconds"
    case processThreads = "process_threads"

    public var help: String {
        switch self {
        case .casesOpen: "Cases not closed, by case kind."
        case .clocksRunning: "Clocks running in open cases, by case kind."
        case .clocksPaused: "Clocks paused in open cases, by case kind."
        case .casesFrozen: "Open cases whose clocks are frozen because the policy lacks what they use."
        case .entriesPending: "Queue entries neither delivered nor acknowledged."
        case .deliveriesPending: "Deliveries waiting for an attempt or a retry, by route."
        case .nextDeadline: "When the next running clock falls due (Unix time); absent when none runs."
        case .storeFailing: "1 while the store's writes fail and are retried (a full disk, an I/O error)."
        case .storeFailed: "1 once a store failure stopped the timers until a restart (health failed)."
        case .holidayDataEnd:
            "When a calendar's holiday data ends (Unix time): midnight after its horizon, in its zone."
        case .buildInfo: "Always 1; the version in a label."
        case .clocksMet: "Clocks satisfied, by case kind and clock (late or not)."
        case .clocksBreached: "Clocks that fell due unsatisfied, by case kind, clock and the tier told at breach."
        case .warnings: "Warning entries written, by case kind, clock and tier."
        case .escalations: "Entries written to a next tier while a clock stays overdue, by case kind, clock and tier."
        case .entriesSkipped: "Entries written as skipped by catch-up = highest-tier, by case kind, clock and tier."
        case .deliveriesSent: "Entries delivered, by route."
        case .deliveryRetries: "Delivery attempts that failed and will be retried, by route."
        case .deliveriesFailed: "Deliveries given up after their last attempt, by route."
        case .policyReloads: "Policy reloads (SIGHUP), by result: ok or refused."
        case .entryLateness: "How long after its due instant each queue entry was written."
        case .deliveryLateness: "How long after its due instant each entry was delivered, by route."
        case .groupCommitWrites: "API writes (opens, events, acknowledgements) answered by one group commit."
        case .groupCommitDuration: "Time of one group commit's transaction, from its first statement to on disk."
        case .storeSync: "Time of a transaction's COMMIT: the WAL written and fsynced (synchronous=FULL)."
        case .processCPU: "User and system CPU time spent, in seconds."
        case .processResident: "Resident memory size in bytes."
        case .processVirtual: "Virtual memory size in bytes."
        case .processOpenFDs: "Open file descriptors."
        case .processMaxFDs: "The limit of open file descriptors."
        case .processStart: "Start time of the process since the Unix epoch, in seconds."
        case .processThreads: "Threads of the process."
        }
    }
}
