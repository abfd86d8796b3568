import Device
import Testing

@Suite struct QuantityTests {
    @Test(arguments: [
        ("256KiB", Quantity.Kind.bytes, 262_144.0), ("2MiB", .bytes, 2_097_152), ("1.5GiB", .bytes, 1_610_612_736),
        ("512KB", .bytes, 512_000), ("300B", .bytes, 300), ("5mJ", .energy, 0.005), ("0.23pJ", .energy, 0.23e-12),
        ("40ms", .time, 0.04), ("250us", .time, 0.000_25), ("480MHz", .frequency, 480e6), ("1.5GHz", .frequency, 1.5e9),
        ("120mW", .power, 0.12), ("3.1W", .power, 3.1), ("2.44GB/s", .bandwidth, 2.44e9), ("50%", .fraction, 0.5),
        ("0.25", .fraction, 0.25), ("4", .count, 4), ("1_024B", .bytes, 1024), (" 8 KiB ", .bytes, 8192),
    ])
    func parsesUnits(text: String, kind: Quantity.Kind, expected: Double) throws {
        let value = try Quantity.parse(text, as: kind).value
        #expect(abs(value - expected) <= abs(expected) * 1e-12)
    }

    @Test func rejectsAMissingUnitWithAnExample() {
        #expect(throws: QuantityError.missingUnit("512", .bytes)) { try Quantity.parse("512", as: .bytes) }
        let message = QuantityError.missingUnit("512", .bytes).description
        #expect(message.contains("256KiB"))
    }

    @Test func rejectsAUnitOfTheWrongKind() {
        #expect(throws: QuantityError.unknownUnit("ms", .bytes)) { try Quantity.parse("40ms", as: .bytes) }
        #expect(throws: QuantityError.unknownUnit("MiB", .energy)) { try Quantity.parse("5MiB", as: .energy) }
    }

    @Test func rejectsText() {
        #expect(throws: QuantityError.notANumber("lots", .bytes)) { try Quantity.parse("lots", as: .bytes) }
    }

    @Test func formatsBytesForPeople() {
        #expect(Quantity.formatBytes(512 * 1024) == "512 KiB")
        #expect(Quantity.formatBytes(1_992_294) == "1.9 MiB")
        #expect(Quantity.formatBytes(102_453_248) == "97.7 MiB")
        #expect(Quantity.formatBytes(300) == "300 B")
        #expect(Quantity.format(0.005, .energy) == "5 mJ")
        #expect(Quantity.format(0.04, .time) == "40 ms")
        #expect(Quantity.format(0.25, .fraction) == "25 %")
    }

    @Test func suggestsTheClosestKey() {
        #expect(Spelling.closest(to: "memroy_cap", in: ["memory_cap", "flash_cap", "cores"]) == "memory_cap")
        #expect(Spelling.closest(to: "xyz", in: ["memory_cap", "cores"]) == nil)
        #expect(Spelling.distance("kitten", "sitting") == 3)
    }
}
