import ArgumentParser
import BerthAPI
import BerthClient
import Foundation
import SwiftProtobuf

extension TasksCommand {
    /// `berth tasks metrics`: one sample of a task's cgroup statistics (v1 or v2, whichever the shim reports),
    /// as the table or JSON ctr prints.
    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "metrics",
            abstract: "Get a single data point of metrics for a task.", aliases: ["metric"])
        @OptionGroup var global: GlobalOptions
        @Option(help: "\"table\" or \"json\".") var format = "table"
        @Argument(help: "The container.") var id: String

        func validate() throws {
            guard ["table", "json"].contains(format) else { throw ValidationError("format must be table or json") }
        }

        func run() async throws {
            let metric = try await global.withClient { client -> Containerd_Types_Metric in
                _ = try await client.container(id)
                guard let metric = try await client.metrics(filters: ["id==\(id)"]).first else {
                    throw ValidationError("no running task found: \(id)")
                }
                return metric
            }
            let sample = try Self.decode(metric.data)
            if format == "json" {
                var options = JSONEncodingOptions()
                options.preserveProtoFieldNames = true
                print(try sample.jsonString(options: options))
                return
            }
            let header = CommandOutput.table([["ID", "TIMESTAMP"], [metric.id, GoTime.format(metric.timestamp.date)]], padding: 4)
            CommandOutput.write(header + "\n" + CommandOutput.table([["METRIC", "VALUE"]] + Self.rows(sample), padding: 4))
        }

        static func decode(_ data: Google_Protobuf_Any) throws -> any SwiftProtobuf.Message {
            if data.isA(Io_Containerd_Cgroups_V1_Metrics.self) { return try Io_Containerd_Cgroups_V1_Metrics(unpackingAny: data) }
            if data.isA(Io_Containerd_Cgroups_V2_Metrics.self) { return try Io_Containerd_Cgroups_V2_Metrics(unpackingAny: data) }
            throw ValidationError("cannot convert metric data \(data.typeURL) to cgroups.Metrics")
        }

        /// ctr's rows for each cgroup version.
        static func rows(_ sample: any SwiftProtobuf.Message) -> [[String]] {
            var rows: [[String]] = []
            if let v1 = sample as? Io_Containerd_Cgroups_V1_Metrics {
                if v1.hasMemory {
                    rows.append(["memory.usage_in_bytes", String(v1.memory.usage.usage)])
                    rows.append(["memory.limit_in_bytes", String(v1.memory.usage.limit)])
                    rows.append(["memory.stat.cache", String(v1.memory.totalCache)])
                }
                if v1.hasCpu {
                    rows.append(["cpuacct.usage", String(v1.cpu.usage.total)])
                    rows.append(["cpuacct.usage_percpu", "[" + v1.cpu.usage.perCpu.map(String.init).joined(separator: " ") + "]"])
                }
                if v1.hasPids {
                    rows.append(["pids.current", String(v1.pids.current)])
                    rows.append(["pids.limit", String(v1.pids.limit)])
                }
            } else if let v2 = sample as? Io_Containerd_Cgroups_V2_Metrics {
                if v2.hasPids {
                    rows.append(["pids.current", String(v2.pids.current)])
                    rows.append(["pids.limit", String(v2.pids.limit)])
                }
                if v2.hasCpu {
                    rows.append(["cpu.usage_usec", String(v2.cpu.usageUsec)])
                    rows.append(["cpu.user_usec", String(v2.cpu.userUsec)])
                    rows.append(["cpu.system_usec", String(v2.cpu.systemUsec)])
                    rows.append(["cpu.nr_periods", String(v2.cpu.nrPeriods)])
                    rows.append(["cpu.nr_throttled", String(v2.cpu.nrThrottled)])
                    rows.append(["cpu.throttled_usec", String(v2.cpu.throttledUsec)])
                }
                if v2.hasMemory {
                    rows.append(["memory.usage", String(v2.memory.usage)])
                    rows.append(["memory.usage_limit", String(v2.memory.usageLimit)])
                    rows.append(["memory.swap_usage", String(v2.memory.swapUsage)])
                    rows.append(["memory.swap_limit", String(v2.memory.swapLimit)])
                }
            }
            return rows
        }
    }
}
