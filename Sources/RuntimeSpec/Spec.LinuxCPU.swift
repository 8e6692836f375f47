extension Spec {
    /// CPU cgroup limits: CFS quota and period in microseconds, shares, and the cpuset.
    public struct LinuxCPU: Sendable, Equatable, Codable {
        public var shares: UInt64?
        public var quota: Int64?
        public var burst: UInt64?
        public var period: UInt64?
        public var realtimeRuntime: Int64?
        public var realtimePeriod: UInt64?
        /// The cpuset ("0-3,6").
        public var cpus: String
        public var mems: String
        public var idle: Int64?

        public init(
            shares: UInt64? = nil, quota: Int64? = nil, burst: UInt64? = nil, period: UInt64? = nil,
            realtimeRuntime: Int64? = nil, realtimePeriod: UInt64? = nil, cpus: String = "", mems: String = "",
            idle: Int64? = nil
        ) {
            self.shares = shares
            self.quota = quota
            self.burst = burst
            self.period = period
            self.realtimeRuntime = realtimeRuntime
            self.realtimePeriod = realtimePeriod
            self.cpus = cpus
            self.mems = mems
            self.idle = idle
        }

        enum CodingKeys: String, CodingKey {
            case shares, quota, burst, period, realtimeRuntime, realtimePeriod, cpus, mems, idle
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            shares = try container.decodeIfPresent(UInt64.self, forKey: .shares)
            quota = try container.decodeIfPresent(Int64.self, forKey: .quota)
            burst = try container.decodeIfPresent(UInt64.self, forKey: .burst)
            period = try container.decodeIfPresent(UInt64.self, forKey: .period)
            realtimeRuntime = try container.decodeIfPresent(Int64.self, forKey: .realtimeRuntime)
            realtimePeriod = try container.decodeIfPresent(UInt64.self, forKey: .realtimePeriod)
            cpus = try container.goValue(.cpus)
            mems = try container.goValue(.mems)
            idle = try container.decodeIfPresent(Int64.self, forKey: .idle)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(shares, forKey: .shares)
            try container.encodeIfPresent(quota, forKey: .quota)
            try container.encodeIfPresent(burst, forKey: .burst)
            try container.encodeIfPresent(period, forKey: .period)
            try container.encodeIfPresent(realtimeRuntime, forKey: .realtimeRuntime)
            try container.encodeIfPresent(realtimePeriod, forKey: .realtimePeriod)
            try container.encodeOmitEmpty(cpus, forKey: .cpus)
            try container.encodeOmitEmpty(mems, forKey: .mems)
            try container.encodeIfPresent(idle, forKey: .idle)
        }
    }
}
