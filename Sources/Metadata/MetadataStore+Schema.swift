import GRDB

extension MetadataStore {
    /// Schema migrations, applied in order on open. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-namespaces-images") { db in
            try db.execute(sql: """
                CREATE TABLE namespaces (
                    name TEXT PRIMARY KEY NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL
                );
                CREATE TABLE images (
                    namespace TEXT NOT NULL REFERENCES namespaces(name),
                    name TEXT NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    target_media_type TEXT NOT NULL,
                    target_digest TEXT NOT NULL,
                    target_size INTEGER NOT NULL,
                    target_annotations TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL,
                    PRIMARY KEY (namespace, name)
                );
                """)
        }
        migrator.registerMigration("v2-content-leases") { db in
            try db.execute(sql: """
                CREATE TABLE blobs (
                    namespace TEXT NOT NULL REFERENCES namespaces(name),
                    digest TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL,
                    PRIMARY KEY (namespace, digest)
                );
                CREATE INDEX blobs_by_digest ON blobs(digest);
                CREATE TABLE leases (
                    namespace TEXT NOT NULL REFERENCES namespaces(name),
                    id TEXT NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE NOT NULL,
                    PRIMARY KEY (namespace, id)
                );
                CREATE TABLE lease_resources (
                    namespace TEXT NOT NULL,
                    lease_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    id TEXT NOT NULL,
                    PRIMARY KEY (namespace, lease_id, type, id),
                    FOREIGN KEY (namespace, lease_id) REFERENCES leases(namespace, id) ON DELETE CASCADE
                );
                """)
        }
        migrator.registerMigration("v3-snapshots") { db in
            try db.execute(sql: """
                CREATE TABLE snapshots (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    namespace TEXT NOT NULL REFERENCES namespaces(name),
                    snapshotter TEXT NOT NULL,
                    key TEXT NOT NULL,
                    parent TEXT,
                    kind INTEGER NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL,
                    usage_size INTEGER,
                    usage_inodes INTEGER,
                    UNIQUE (namespace, snapshotter, key)
                );
                CREATE INDEX snapshots_by_parent ON snapshots(namespace, snapshotter, parent);
                """)
        }
        migrator.registerMigration("v4-containers") { db in
            try db.execute(sql: """
                CREATE TABLE containers (
                    namespace TEXT NOT NULL REFERENCES namespaces(name),
                    id TEXT NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}',
                    image TEXT NOT NULL DEFAULT '',
                    runtime_name TEXT NOT NULL,
                    runtime_options BLOB,
                    spec BLOB,
                    snapshotter TEXT NOT NULL DEFAULT '',
                    snapshot_key TEXT NOT NULL DEFAULT '',
                    extensions BLOB,
                    created_at DOUBLE NOT NULL,
                    updated_at DOUBLE NOT NULL,
                    PRIMARY KEY (namespace, id)
                );
                """)
        }
        return migrator
    }

    /// Tables whose rows belong to a namespace, with the noun containerd uses when a delete finds them.
    /// A table listed here that a schema version has not created yet is skipped.
    static let namespacedTables: [(table: String, noun: String)] = [
        ("images", "images"),
        ("blobs", "blobs"),
        ("containers", "containers"),
        ("snapshots", "snapshots"),
        ("leases", "leases"),
    ]
}
