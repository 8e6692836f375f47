extension SpecOption {
    /// WithCapabilities: exactly `capabilities` in the bounding, effective and permitted sets.
    public static func capabilities(_ capabilities: [String]) -> SpecOption {
        SpecOption { spec in
            spec.updateCapabilities {
                $0.bounding = capabilities
                $0.effective = capabilities
                $0.permitted = capabilities
            }
        }
    }

    /// WithAddedCapabilities: appends each capability to the bounding, effective and permitted sets lacking it.
    public static func addedCapabilities(_ capabilities: [String]) -> SpecOption {
        SpecOption { spec in
            spec.updateCapabilities { sets in
                for capability in capabilities {
                    if !sets.bounding.contains(capability) { sets.bounding.append(capability) }
                    if !sets.effective.contains(capability) { sets.effective.append(capability) }
                    if !sets.permitted.contains(capability) { sets.permitted.append(capability) }
                }
            }
        }
    }

    /// WithDroppedCapabilities: removes the capabilities from the bounding, effective and permitted sets.
    public static func droppedCapabilities(_ capabilities: [String]) -> SpecOption {
        SpecOption { spec in
            spec.updateCapabilities { sets in
                sets.bounding.removeAll { capabilities.contains($0) }
                sets.effective.removeAll { capabilities.contains($0) }
                sets.permitted.removeAll { capabilities.contains($0) }
            }
        }
    }

    /// WithAmbientCapabilities: the inheritable and ambient sets.
    public static func ambientCapabilities(_ capabilities: [String]) -> SpecOption {
        SpecOption { spec in
            spec.updateCapabilities {
                $0.inheritable = capabilities
                $0.ambient = capabilities
            }
        }
    }

    /// WithAllCurrentCapabilities: the effective capabilities of this process (read when applied).
    public static var allCurrentCapabilities: SpecOption {
        SpecOption { spec in try spec.apply(.capabilities(HostCapabilities.current())) }
    }

    /// WithAllKnownCapabilities: every capability containerd knows.
    public static var allKnownCapabilities: SpecOption { capabilities(HostCapabilities.known) }
}
