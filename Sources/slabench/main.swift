import Foundation

// slabench: runs slad's benchmark scenarios against the real binaries, prints one table, and writes
// it into docs/benchmarks.md. Exits non-zero only when a scenario could not run, not when a target
// is missed: the table says that.

enum Main {
    static let usage = """
        usage: slabench [--quick] [--bin DIR] [--output FILE] [--no-write] [--only NAME,...]

          --quick        scaled-down sizes (under 2 minutes); the table says which
          --bin DIR      where slad and slactl are (default: beside slabench)
          --output FILE  the results file (default: docs/benchmarks.md)
          --no-write     print the table only
          --only NAMES   some of: intake, sparse, load, burst, capacity, query, delivery
                         (and, alone: commits, storeburst)
          --clients N    intake clients (default 32, as the issue asks)

        """

    static func run() -> Int32 {
        var quick = false
        var binDirectory = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            binDirectory = (executable as NSString).deletingLastPathComponent
        }
        var output = "docs/benchmarks.md"
        var writeResults = true
        var clients = 32
        // `commits`: the commit baseline alone, for checks; `storeburst`: the store's part of a burst
        // alone (in-process, for profiles): neither runs unless asked for.
        let allScenarios = [
            "intake", "sparse", "load", "burst", "capacity", "query", "delivery", "commits", "storeburst",
        ]
        var chosen = Array(allScenarios.dropLast(2))
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--bin": binDirectory = arguments.popFirst() ?? binDirectory
            case "--output": output = arguments.popFirst() ?? output
            case "--no-write": writeResults = false
            case "--clients": clients = Int(arguments.popFirst() ?? "") ?? clients
            case "--only":
                chosen = (arguments.popFirst() ?? "").split(separator: ",").map(String.init)
                if let unknown = chosen.first(where: { !allScenarios.contains($0) }) {
                    FileHandle.standardError.write(Data("slabench: unknown scenario '\(unknown)'\n\(usage)".utf8))
                    return 2
                }
            case "-h", "--help":
                print(usage, terminator: "")
                return 0
            default:
                FileHandle.standardError.write(Data("slabench: unknown argument '\(argument)'\n\(usage)".utf8))
                return 2
            }
        }

        signal(SIGPIPE, SIG_IGN)
        let machine = Machine.describe(root: FileManager.default.currentDirectoryPath)
        var scale = quick ? Scale.quick : Scale.full
        scale.clients = clients
        let bench = Bench(binDirectory: binDirectory, scale: scale)
        for binary in [bench.slad, bench.slactl] where !FileManager.default.isExecutableFile(atPath: binary) {
            FileHandle.standardError.write(
                Data("slabench: no executable \(binary) (build slad first, or pass --bin)\n".utf8))
            return 2
        }
        FileHandle.standardError.write(
            Data(
                "slabench: \(quick ? "quick" : "full") run of \(chosen.joined(separator: ", ")) on \(machine.cpus) CPUs, load \(machine.load)\n"
                    .utf8))

        let began = Time.monotonic()
        var failed = false
        let scenarios: [(String, String, () throws -> Void)] = [
            ("intake", "intake", bench.intake), ("sparse", "firing, sparse", bench.sparse),
            ("load", "firing under load", bench.underLoad), ("burst", "firing, burst", bench.burst),
            ("capacity", "capacity and recovery", bench.capacity), ("query", "query", bench.query),
            ("delivery", "deadline to a receiver", bench.delivery), ("commits", "commit baseline", bench.commitsOnly),
            ("storeburst", "store commit, burst", bench.storeBurst),
        ]
        for (name, title, run) in scenarios where chosen.contains(name) {
            let started = Time.monotonic()
            do {
                try run()
                FileHandle.standardError.write(
                    Data("slabench: \(title) done in \(Format.seconds(Time.monotonic() - started))\n".utf8))
            } catch {
                failed = true
                FileHandle.standardError.write(Data("slabench: \(title) FAILED: \(error)\n".utf8))
                let line = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                bench.rows.append(
                    ResultRow(
                        scenario: title, measure: "scenario failed", result: "ERROR: \(line)", target: "", met: nil,
                        baseline: "", ratio: ""))
            }
        }
        let seconds = Time.monotonic() - began
        var rows = bench.rows
        if quick {
            for index in rows.indices { rows[index].scenario += " (quick)" }
        }
        print(Table.text(rows))
        print("")
        for note in bench.notes { print("- \(note)") }
        print(
            "\n\(quick ? "quick" : "full") run: \(Format.seconds(seconds)); load average now \(Machine.loadAverage())")
        if writeResults {
            let block = ResultsFile.render(
                machine: machine, mode: quick ? "quick (scaled down: see the measures)" : "full", seconds: seconds,
                loadAfter: Machine.loadAverage(), rows: rows, notes: bench.notes)
            do {
                try ResultsFile.write(block, to: output)
                print("written to \(output)")
            } catch {
                FileHandle.standardError.write(Data("slabench: cannot write \(output): \(error)\n".utf8))
                failed = true
            }
        }
        return failed ? 1 : 0
    }
}

exit(Main.run())
