extension Spec {
    /// Memory cgroup limits, in bytes. Every field is a Go pointer, so synthesized Codable (nil: absent) fits.
    public struct LinuxMemory: Sendable, Equatable, Codable {
        public var limit: Int64?
        public var reservation: Int64?
        /// Memory plus swap.
        public var swap: Int64?
        public var kernel: Int64?
        public var kernelTCP: Int64?
        public var swappiness: UInt64?
        public var disableOOMKiller: Bool?
        public var useHierarchy: Bool?
        public var checkBeforeUpdate: Bool?

        public init(
            limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil, kernel: Int64? = nil,
            kernelTCP: Int64? = nil, swappiness: UInt64? = nil, disableOOMKiller: Bool? = nil,
            useHierarchy: Bool? = nil, checkBeforeUpdate: Bool? = nil
        ) {
            self.limit = limit
            self.reservation = reservation
            self.swap = swap
            self.kernel = kernel
            self.kernelTCP = kernelTCP
            self.swappiness = swappiness
            self.disableOOMKiller = disableOOMKiller
            self.useHierarchy = useHierarchy
            self.checkBeforeUpdate = checkBeforeUpdate
        }
    }
}
