import Device
import Foundation
import Measure
import Model
import Runtime
import Testing

@Suite struct EstimationTests {
    func estimate(_ type: DType, device: DeviceSpec = Fixtures.mcu(), integerOnly: Bool = false, flash: Bool = true) -> Estimate {
        let node = Fixtures.conv(type)
        return Estimator.estimate(EstimationInput(counts: [node], plan: Fixtures.plan(for: node), device: device,
                                                  weightsInFlash: flash, integerOnly: integerOnly))
    }

    @Test func int8ConvCostsLessEnergyThanFP32OnAnMCU() {
        let fp32 = estimate(.float32), int8 = estimate(.int8)
        #expect(int8.energy.value < fp32.energy.value)
        #expect(int8.energyCompute.value < fp32.energyCompute.value)
        #expect(int8.energyDataMovement.value < fp32.energyDataMovement.value)  // a quarter of the bytes
        #expect(int8.latency.value < fp32.latency.value)
        #expect(int8.energy.source == .modeled && int8.nodes.count == 1)
    }

    @Test func energyIsTheSumOfItsTerms() {
        let e = estimate(.float32)
        #expect(abs(e.energy.value - (e.energyCompute.value + e.energyDataMovement.value + e.energyStatic.value)) <= 1e-15)
        #expect(["compute", "data movement", "static"].contains(e.dominantTerm))
        let node = e.nodes[0]
        let expectedMACs: Int64 = 24 * 24 * 16 * 16 * 9
        #expect(node.macs[.float32, default: 0] == expectedMACs)
        #expect(e.macs == node.macs)
    }

    @Test func weightsInFlashAreReadFromFlash() {
        let inFlash = estimate(.int8, flash: true), inRAM = estimate(.int8, flash: false)
        let weights = Double(Fixtures.conv(.int8).weightBytesRead)
        #expect(inFlash.traffic.first { $0.level == "flash" }?.bytes.value == weights)
        #expect(inRAM.traffic.first { $0.level == "flash" }?.bytes.value == 0)
    }

    @Test func integerOnlyDeviceIsNotCreditedFloatThroughput() {
        let credited = estimate(.float32)
        let uncredited = estimate(.float32, integerOnly: true)
        #expect(uncredited.latency.value > credited.latency.value * 5)
        #expect(uncredited.warnings.contains { $0.contains("not credited float throughput") })
        #expect(!credited.warnings.contains { $0.contains("not credited") })
        // A device that lists no float dtype is integer-only even if the profile does not say so.
        #expect(estimate(.float32, device: Fixtures.mcu(nativeFloat: false)).warnings.contains { $0.contains("not credited") })
    }

    @Test func latencyIsTheRooflineMaximumPerNode() {
        let e = estimate(.int8, device: Fixtures.phone(), flash: false)
        let node = e.nodes[0]
        let macs = Double(Fixtures.conv(.int8).totalMACs), ops = Double(Fixtures.conv(.int8).totalOps)
        let computeSeconds = macs / (32 * 2.4e9 * 1) + ops / (2.4e9 * 1)  // int32 ops: no MACs/cycle listed → scalar
        #expect(node.latency.value >= computeSeconds * 0.999)
        #expect(node.boundBy == "compute" || e.traffic.contains { $0.level == node.boundBy })
    }

    @Test func simulatedFiguresAppearSideBySideWithTheirRatio() throws {
        let node = Fixtures.conv(.float32)
        let config = try CachegrindConfiguration.forDevice(Fixtures.phone())
        let sim = Cachegrind.Result(readings: [], configuration: config, commands: [],
                                    dataBytesBeyondLL: Figure(1000, "B", .simulated), dataBytesBeyondD1: Figure(50_000, "B", .simulated))
        let e = Estimator.estimate(EstimationInput(counts: [node], plan: Fixtures.plan(for: node), device: Fixtures.phone(), simulated: sim))
        let c = try #require(e.comparisons.first { $0.quantity.contains("beyond L2") })
        #expect(c.a.source == .modeled && c.b.source == .simulated)
        #expect(c.ratio == c.a.value / 1000)
    }

    /// The modeled-vs-measured row of a bare-metal host (these VMs have no PMU, so the
    /// path is checked with readings as the sampler reports them).
    @Test func measuredLLCMissesAppearBesideTheModelOnlyWhenCounted() throws {
        let node = Fixtures.conv(.float32)
        let event = "perf::PERF_COUNT_HW_CACHE_LL:READ:MISS"
        func estimate(_ reading: CounterReading) -> Estimate {
            Estimator.estimate(EstimationInput(counts: [node], plan: Fixtures.plan(for: node), device: Fixtures.phone(), hostCounters: [reading]))
        }
        let counted = estimate(CounterReading(event: event, status: .counted(value: 2500, timeEnabledNs: 10, timeRunningNs: 10)))
        let c = try #require(counted.comparisons.first { $0.quantity.hasPrefix("DRAM bytes (modeled vs host") })
        #expect(c.a.source == .modeled && c.b.source == .measured && c.b.value == 2500 * 64)
        let missing = estimate(CounterReading(event: event, status: .unavailable(errno: 2, reason: "PMU not available due to virtualization")))
        #expect(!missing.comparisons.contains { $0.quantity.hasPrefix("DRAM bytes") }, "an unavailable counter is never compared as zero")
    }
}

@Suite struct ResultSchemaTests {
    /// Every object shaped like a Figure (value + unit) must carry a known source.
    func checkFigures(_ json: Any, path: String, count: inout Int) {
        if let object = json as? [String: Any] {
            if object["value"] != nil && object["unit"] != nil {
                count += 1
                let source = object["source"] as? String
                #expect(["measured", "simulated", "modeled"].contains(source ?? ""), "figure at \(path) has no source")
            }
            for (k, v) in object { checkFigures(v, path: path + "." + k, count: &count) }
        } else if let array = json as? [Any] {
            for (i, v) in array.enumerated() { checkFigures(v, path: "\(path)[\(i)]", count: &count) }
        }
    }

    @Test func estimateJSONHasRequiredKeysAndEveryFigureASource() throws {
        let node = Fixtures.conv(.int8)
        let e = Estimator.estimate(EstimationInput(counts: [node], plan: Fixtures.plan(for: node), device: Fixtures.mcu(),
                                                   weightsInFlash: true, hostNodeSeconds: [0.002],
                                                   hostNodeCounters: [[CounterReading(event: "task-clock", status: .counted(value: 2e6, timeEnabledNs: 1, timeRunningNs: 1))]]))
        let data = try JSONEncoder().encode(e)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["energy", "energyCompute", "energyDataMovement", "energyStatic", "dominantTerm", "latency",
                    "traffic", "nodes", "comparisons", "macs", "warnings"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let row = try #require((json["nodes"] as? [[String: Any]])?.first)
        for key in ["index", "name", "opType", "energy", "energyCompute", "energyDataMovement", "energyStatic",
                    "latency", "boundBy", "traffic", "macs", "hostSeconds", "hostCounters"] {
            #expect(row[key] != nil, "node row missing \(key)")
        }
        var figures = 0
        checkFigures(json, path: "$", count: &figures)
        #expect(figures >= 10)
        #expect(try JSONDecoder().decode(Estimate.self, from: data) == e)
    }

    @Test func hostCapabilitiesRoundTrip() throws {
        let caps = HostProbe.probe()
        let data = try JSONEncoder().encode(caps)
        #expect(try JSONDecoder().decode(HostCapabilities.self, from: data) == caps)
    }
}
