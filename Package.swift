// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "fieldnotes",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fieldnotes", targets: ["fieldnotes"]),
        .executable(name: "fieldnotes-bench", targets: ["fieldnotes-bench"]),
        .library(name: "ReportModels", targets: ["ReportModels"]),
        .library(name: "OfflineStore", targets: ["OfflineStore"]),
        .library(name: "SyncEngine", targets: ["SyncEngine"]),
        .library(name: "ReportFormats", targets: ["ReportFormats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure values: reports, clocks, versions, validation, canonical encoding.
        .target(
            name: "ReportModels",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The SQLite store. Its schema lives in the top-level Migrations/ folder and is
        // compiled into the module by the EmbedMigrations plugin, so a copied binary still
        // creates and upgrades stores.
        .target(
            name: "OfflineStore",
            dependencies: ["ReportModels", .product(name: "GRDB", package: "GRDB.swift")],
            plugins: ["EmbedMigrations"]
        ),
        // Merge, changesets, folders.
        .target(
            name: "SyncEngine",
            dependencies: [
                "ReportModels", "OfflineStore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt, for team keys derived from a passphrase (DESIGN.md §10).
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Reports in the formats others read: CSV, GeoJSON, STIX 2.1, HTML, and the
        // narrative's Markdown as blocks. Pure functions: no store, no I/O (DESIGN.md §12).
        .target(
            name: "ReportFormats",
            // SHA-1, for the name-based UUIDs (version 5) of STIX ids.
            dependencies: ["ReportModels", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The command-line tool.
        .executableTarget(
            name: "fieldnotes",
            dependencies: [
                "ReportModels", "OfflineStore", "SyncEngine", "ReportFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // How fast fieldnotes is, next to raw SQLite, raw zlib and git (run it release-built).
        .executableTarget(
            name: "fieldnotes-bench",
            dependencies: [
                "ReportModels", "OfflineStore", "SyncEngine", "ReportFormats",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fuzzer over the changeset reader, the version decoder and the folder scanner
        // (Fuzz/, run by Scripts/fuzz). It is only built for fuzzing — `-sanitize=fuzzer` and
        // `-D FUZZING`, in .build-fuzz — and is a stub in any other build.
        .executableTarget(
            name: "fieldnotes-fuzz",
            dependencies: ["ReportModels", "OfflineStore", "SyncEngine", "CFuzzerDriver", .product(name: "Crypto", package: "swift-crypto")],
            path: "Fuzz/Sources"
        ),
        // libFuzzer's driver, declared for the fuzzer's `main`.
        .target(name: "CFuzzerDriver", path: "Fuzz/Driver"),
        // zlib, reached through one small C boundary.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .testTarget(name: "ReportModelsTests", dependencies: ["ReportModels", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "OfflineStoreTests", dependencies: ["OfflineStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SyncEngineTests", dependencies: ["SyncEngine", "OfflineStore"]),
        .testTarget(name: "ReportFormatsTests", dependencies: ["ReportFormats", "ReportModels"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["fieldnotes", "OfflineStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
