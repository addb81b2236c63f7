// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "slad",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SLACore", targets: ["SLACore"]),
        .executable(name: "slactl", targets: ["slactl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure core: policy, calendars, deadlines, engine. No I/O, no Date(), no Dispatch.
        .target(
            name: "SLACore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .executableTarget(
            name: "slactl",
            dependencies: [
                "SLACore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SLACoreTests", dependencies: ["SLACore"]),
    ]
)
