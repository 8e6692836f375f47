import Foundation

/// A seccomp filter: runtime-spec's `LinuxSeccomp` (specs-go as containerd 1.6 vendors it), with its JSON names
/// and `omitempty` rules, so a profile encoded here has the keys containerd would write. `Spec.Linux.seccomp`
/// holds the JSON (`jsonValue`); this type is for building and reading profiles.
///
/// Go's string types (actions, architectures, operators, flags) are plain strings, so any value a profile file
/// holds survives; `Action`, `Arch` and `Operator` name the ones runtime-spec defines.
public struct SeccompProfile: Sendable, Equatable, Codable {
    /// `json:"defaultAction"`: written even when empty.
    public var defaultAction: String
    public var defaultErrnoRet: UInt?
    public var architectures: [String]
    public var flags: [String]
    public var listenerPath: String
    public var listenerMetadata: String
    public var syscalls: [Syscall]

    public init(
        defaultAction: String, defaultErrnoRet: UInt? = nil, architectures: [String] = [], flags: [String] = [],
        listenerPath: String = "", listenerMetadata: String = "", syscalls: [Syscall] = []
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }

    /// A rule (`LinuxSyscall`): `action` for the syscalls in `names` when every one of `args` matches.
    public struct Syscall: Sendable, Equatable, Codable {
        /// `json:"names"`: written even when empty (as `[]`; Go writes a nil slice as `null`).
        public var names: [String]
        public var action: String
        public var errnoRet: UInt?
        public var args: [Arg]

        public init(names: [String], action: String, errnoRet: UInt? = nil, args: [Arg] = []) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
        }

        enum CodingKeys: String, CodingKey {
            case names, action, errnoRet, args
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            names = try container.goValue(.names)
            action = try container.goValue(.action)
            errnoRet = try container.decodeIfPresent(UInt.self, forKey: .errnoRet)
            args = try container.goValue(.args)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(names, forKey: .names)
            try container.encode(action, forKey: .action)
            try container.encodeIfPresent(errnoRet, forKey: .errnoRet)
            try container.encodeOmitEmpty(args, forKey: .args)
        }
    }

    /// A condition on one syscall argument (`LinuxSeccompArg`).
    public struct Arg: Sendable, Equatable, Codable {
        public var index: UInt
        public var value: UInt64
        /// `json:"valueTwo,omitempty"`: left out when 0.
        public var valueTwo: UInt64
        public var op: String

        public init(index: UInt, value: UInt64, valueTwo: UInt64 = 0, op: String) {
            self.index = index
            self.value = value
            self.valueTwo = valueTwo
            self.op = op
        }

        enum CodingKeys: String, CodingKey {
            case index, value, valueTwo, op
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.goValue(.index)
            value = try container.goValue(.value)
            valueTwo = try container.goValue(.valueTwo)
            op = try container.goValue(.op)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(value, forKey: .value)
            try container.encodeOmitEmpty(valueTwo, forKey: .valueTwo)
            try container.encode(op, forKey: .op)
        }
    }

    enum CodingKeys: String, CodingKey {
        case defaultAction, defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata, syscalls
    }

    /// Decodes as encoding/json does: absent or null keys take Go's zero values, unknown keys (a Docker
    /// profile's `archMap`, a rule's `comment`) are dropped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try container.goValue(.defaultAction)
        defaultErrnoRet = try container.decodeIfPresent(UInt.self, forKey: .defaultErrnoRet)
        architectures = try container.goValue(.architectures)
        flags = try container.goValue(.flags)
        listenerPath = try container.goValue(.listenerPath)
        listenerMetadata = try container.goValue(.listenerMetadata)
        syscalls = try container.goValue(.syscalls)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(defaultAction, forKey: .defaultAction)
        try container.encodeIfPresent(defaultErrnoRet, forKey: .defaultErrnoRet)
        try container.encodeOmitEmpty(architectures, forKey: .architectures)
        try container.encodeOmitEmpty(flags, forKey: .flags)
        try container.encodeOmitEmpty(listenerPath, forKey: .listenerPath)
        try container.encodeOmitEmpty(listenerMetadata, forKey: .listenerMetadata)
        try container.encodeOmitEmpty(syscalls, forKey: .syscalls)
    }
}

extension SeccompProfile {
    /// runtime-spec's `LinuxSeccompAction` values.
    public enum Action {
        public static let kill = "SCMP_ACT_KILL"
        public static let killProcess = "SCMP_ACT_KILL_PROCESS"
        public static let killThread = "SCMP_ACT_KILL_THREAD"
        public static let trap = "SCMP_ACT_TRAP"
        public static let errno = "SCMP_ACT_ERRNO"
        public static let trace = "SCMP_ACT_TRACE"
        public static let allow = "SCMP_ACT_ALLOW"
        public static let log = "SCMP_ACT_LOG"
        public static let notify = "SCMP_ACT_NOTIFY"
    }

    /// runtime-spec's `Arch` values.
    public enum Arch {
        public static let x86 = "SCMP_ARCH_X86"
        public static let x86_64 = "SCMP_ARCH_X86_64"
        public static let x32 = "SCMP_ARCH_X32"
        public static let arm = "SCMP_ARCH_ARM"
        public static let aarch64 = "SCMP_ARCH_AARCH64"
        public static let mips = "SCMP_ARCH_MIPS"
        public static let mips64 = "SCMP_ARCH_MIPS64"
        public static let mips64n32 = "SCMP_ARCH_MIPS64N32"
        public static let mipsel = "SCMP_ARCH_MIPSEL"
        public static let mipsel64 = "SCMP_ARCH_MIPSEL64"
        public static let mipsel64n32 = "SCMP_ARCH_MIPSEL64N32"
        public static let ppc = "SCMP_ARCH_PPC"
        public static let ppc64 = "SCMP_ARCH_PPC64"
        public static let ppc64le = "SCMP_ARCH_PPC64LE"
        public static let s390 = "SCMP_ARCH_S390"
        public static let s390x = "SCMP_ARCH_S390X"
        public static let parisc = "SCMP_ARCH_PARISC"
        public static let parisc64 = "SCMP_ARCH_PARISC64"
        public static let riscv64 = "SCMP_ARCH_RISCV64"
    }

    /// runtime-spec's `LinuxSeccompOperator` values.
    public enum Operator {
        public static let notEqual = "SCMP_CMP_NE"
        public static let lessThan = "SCMP_CMP_LT"
        public static let lessEqual = "SCMP_CMP_LE"
        public static let equalTo = "SCMP_CMP_EQ"
        public static let greaterEqual = "SCMP_CMP_GE"
        public static let greaterThan = "SCMP_CMP_GT"
        public static let maskedEqual = "SCMP_CMP_MASKED_EQ"
    }
}

extension SeccompProfile {
    /// The profile as the JSON `Spec.Linux.seccomp` holds, with the keys `encode(to:)` writes. Integers are
    /// `.int` when they fit an Int64 and `.uint` above, as `JSONValue` decodes them, so a profile and the same
    /// profile read back from JSON compare equal.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["defaultAction": .string(defaultAction)]
        if let defaultErrnoRet { object["defaultErrnoRet"] = Self.integer(UInt64(defaultErrnoRet)) }
        if !architectures.isEmpty { object["architectures"] = .array(architectures.map(JSONValue.string)) }
        if !flags.isEmpty { object["flags"] = .array(flags.map(JSONValue.string)) }
        if !listenerPath.isEmpty { object["listenerPath"] = .string(listenerPath) }
        if !listenerMetadata.isEmpty { object["listenerMetadata"] = .string(listenerMetadata) }
        if !syscalls.isEmpty { object["syscalls"] = .array(syscalls.map(\.jsonValue)) }
        return .object(object)
    }

    /// Reads a profile from the JSON `Spec.Linux.seccomp` holds, with the same rules as `init(from:)`.
    public init(json: JSONValue) throws {
        self = try JSONDecoder().decode(SeccompProfile.self, from: JSONEncoder().encode(json))
    }

    fileprivate static func integer(_ value: UInt64) -> JSONValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }
}

extension SeccompProfile.Syscall {
    fileprivate var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["names": .array(names.map(JSONValue.string)), "action": .string(action)]
        if let errnoRet { object["errnoRet"] = SeccompProfile.integer(UInt64(errnoRet)) }
        if !args.isEmpty { object["args"] = .array(args.map(\.jsonValue)) }
        return .object(object)
    }
}

extension SeccompProfile.Arg {
    fileprivate var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "index": SeccompProfile.integer(UInt64(index)), "value": SeccompProfile.integer(value), "op": .string(op),
        ]
        if valueTwo != 0 { object["valueTwo"] = SeccompProfile.integer(valueTwo) }
        return .object(object)
    }
}
