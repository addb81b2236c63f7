// swift-tools-version: 6.1
import PackageDescription

/// The benchmark harness alone stays in Swift 5 mode: its load threads fill shared result arrays
/// under locks, a pattern Swift 6 cannot check; every module of slad itself is in Swift 6 mode.
let benchHarness: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "slad",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SLACore", targets: ["SLACore"]),
        .executable(name: "slad", targets: ["slad"]),
        .executable(name: "slactl", targets: ["slactl"]),
        .executable(name: "slactl-hq", targets: ["slactl-hq"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        // The chain: HQ's PostgreSQL (SLAChain), TLS to it with HQ's CA.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure core: policy, calendars, deadlines, engine. No I/O, no Dispatch; the engine never reads
        // the time (`now` is passed in; `SystemClock` is the shell's wall clock, injected).
        .target(
            name: "SLACore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // Pure compliance reports: periods, counts and lateness from cases and queue entries, and
        // their table, CSV, JSON and HTML renderings. No I/O, no Date().
        .target(name: "SLAReports", dependencies: ["SLACore"]),
        // The wire types of the API, shared by the server, slactl and slabench: requests and their
        // checks, the answers (views) and the error body, with the fast JSON reader and writer.
        .target(name: "SLAAPI", dependencies: ["SLACore"]),
        // What the command lines share (slactl, slactl-hq, `slad test-route`): exit codes, error
        // lines, aligned tables, writing a file whole, loading a policy with its parse in a child.
        .target(
            name: "SLACommandLine",
            dependencies: [
                "SLACore", "SLAPolicyFile", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Identity: roles, store scope, principals, scrypt passwords, random tokens, the sign-in limiter.
        .target(
            name: "SLAAuth",
            dependencies: [
                "SLACore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // The journal's MESSAGE_ID values, for every module that logs.
        .target(name: "SLAMessageIDs"),
        // The durable store: event log, case and clock state, escalation queue (SQLite via GRDB).
        .target(
            name: "SLAStore",
            dependencies: ["SLACore", "SLAAuth", "SLAMetrics", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // What slad measures (swift-metrics), under Prometheus names, and their text exposition.
        // Below every module that records: it knows counts and durations, not slad's types.
        .target(
            name: "SLAMetrics",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // One heap of deadlines, one Dispatch timer, and the service that ties engine and store.
        .target(
            name: "SLAScheduler",
            dependencies: [
                "SLACore", "SLAAPI", "SLAStore", "SLAMessageIDs", "SLAMetrics",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Child processes by posix_spawn and waitpid, without Foundation's run-loop machinery.
        .target(name: "SLAProcess"),
        // Reads a policy file with the TOML parse isolated in a child process (toml++ can abort).
        .target(name: "SLAPolicyFile", dependencies: ["SLACore", "SLAProcess"]),
        // Pushes queue entries to people: exec hooks, webhooks, chat robots (WeCom, DingTalk,
        // Feishu) and mail, at least once, with backoff, rate limits and digests.
        .target(
            name: "SLADelivery",
            dependencies: [
                "SLACore", "SLAStore", "SLAProcess", "SLAMessageIDs", "SLAMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The local HTTP+JSON API on a Unix socket (bound, or passed by socket activation).
        .target(
            name: "SLAServer",
            dependencies: [
                "SLACore", "SLAAPI", "SLAAuth", "SLAScheduler", "SLAStore", "SLAReports", "SLAMetrics", "SLAMessageIDs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // libsystemd (Debian's libsystemd-dev): sd_notify, sd_journal_sendv, sd_listen_fds.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The systemd shim: readiness and watchdog, the journal LogHandler, socket activation.
        .target(
            name: "SLASystemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        // The managers' web console on the TCP listener: server-rendered pages (swift-mustache) over
        // the service and the store, signed in through SLAAuth's users and sessions.
        .target(
            name: "SLAConsole",
            dependencies: [
                "SLACore", "SLAStore", "SLAScheduler", "SLAServer", "SLAReports", "SLAAPI", "SLAMessageIDs", "SLAAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "slad",
            dependencies: [
                "SLACore", "SLAStore", "SLAScheduler", "SLAServer", "SLASystemd", "SLADelivery", "SLAPolicyFile",
                "SLAMessageIDs", "SLAMetrics", "SLAConsole", "SLAAuth", "SLACommandLine",
                // Replication to HQ (chain-store): the replicator and health's view of it.
                "SLAChain", "SLAAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "slactl",
            dependencies: [
                "SLACore", "SLAAPI", "SLAPolicyFile", "SLACommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `--url https://...`: a remote slad over TLS.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // `slactl hq`, `report --hq` and `escalations --hq`: HQ's PostgreSQL, in a program of its
        // own (installed in libexec) that slactl runs, so that slactl itself stays small.
        .executableTarget(
            name: "slactl-hq",
            dependencies: [
                "SLACore", "SLAChain", "SLAReports", "SLACommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The benchmark suite (`make bench`): drives the real slad binary and writes docs/benchmarks.md.
        .executableTarget(
            name: "slabench",
            dependencies: ["SLACore", "SLAAPI", "SLAStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: benchHarness
        ),
        // libFuzzer targets (scripts/fuzz builds them with -sanitize=fuzzer; otherwise stubs).
        .executableTarget(name: "FuzzPolicy", dependencies: ["SLACore"]),
        .executableTarget(name: "FuzzRequest", dependencies: ["SLACore", "SLAAPI"]),
        .testTarget(name: "SLACoreTests", dependencies: ["SLACore"]),
        .testTarget(name: "SLAAPITests", dependencies: ["SLAAPI", "SLACore"]),
        .testTarget(name: "SLAAuthTests", dependencies: ["SLAAuth", "SLACore", "SLAStore"]),
        .testTarget(
            name: "SLAServerTests",
            dependencies: [
                "SLAServer", "SLAAPI", "SLAAuth", "SLACore", "SLAScheduler", "SLAStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SLAStoreTests",
            dependencies: ["SLAStore", "SLAScheduler", "SLAAPI", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "SLASchedulerTests",
            dependencies: [
                "SLAScheduler", "SLAStore", "SLACore", "SLAAPI", "SLAMessageIDs",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SLAReportsTests", dependencies: ["SLAReports", "SLACore"]),
        .testTarget(
            name: "SLADeliveryTests",
            dependencies: [
                "SLADelivery", "SLAStore", "SLACore", "SLAMessageIDs", .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"]),
        .testTarget(name: "SLAMetricsTests", dependencies: ["SLAMetrics"]),
        .testTarget(
            name: "SLAConsoleTests",
            dependencies: ["SLAConsole", "SLAAuth", "SLAServer", "SLAScheduler", "SLAStore", "SLAReports", "SLACore"]),
        .testTarget(
            name: "SLASystemdTests", dependencies: ["SLASystemd", .product(name: "Logging", package: "swift-log")]),
        // The chain's HQ side: PostgreSQL schema and migrations, the writer that applies a store's
        // outbox idempotently, store roles, and HQ's reads (report, stores, HQ-tier entries).
        .target(
            name: "SLAChain",
            dependencies: [
                "SLACore", "SLAStore", "SLAReports",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                // The store's replicator (chain-store): a service of slad's group, its journal ids.
                "SLAMessageIDs", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The chain benchmark (issue 19): simulated stores replicating into one PostgreSQL.
        .executableTarget(
            name: "chainbench",
            dependencies: [
                "SLAChain", "SLACore", "SLAStore", "SLAReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "SLAChainTests",
            dependencies: [
                "SLAChain", "SLAStore", "SLACore", "SLAReports", "SLAProcess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
