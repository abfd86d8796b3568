import Foundation
import Model
import Testing

@Suite struct LoaderErrorTests {
    let good = addModel(ONNX.floats("w", [2, 2], [1, 2, 3, 4]))

    @Test func corruptAndTruncatedProtobuf() {
        guard case .corruptProtobuf? = loadError(Array(good.prefix(good.count - 3))) else { Issue.record("truncated model loaded"); return }
        guard case .corruptProtobuf? = loadError([0xff, 0xff, 0xff, 0xff, 0xff]) else { Issue.record("garbage loaded"); return }
    }

    @Test func missingGraph() {
        #expect(loadError(ONNX.model(nil)) == .missingGraph(name: "test.onnx"))
    }

    @Test func unknownDType() {
        #expect(loadError(addModel(ONNX.raw("w", 14, [2, 2], [UInt8](repeating: 0, count: 32)))) == .unknownDType(value: "w", code: 14))
    }

    @Test func rawDataSizeMismatchNamesTheInitializer() {
        let error = loadError(addModel(ONNX.raw("w", 1, [2, 2], [UInt8](repeating: 0, count: 12))))
        #expect(error == .rawDataSizeMismatch(tensor: "w", expectedBytes: 16, actualBytes: 12))
        #expect(error?.description.contains("'w'") == true)
        #expect(loadError(addModel(ONNX.floats("w", [2, 2], [1, 2, 3]))) == .dataCountMismatch(tensor: "w", expected: 4, actual: 3))
    }

    @Test func dimensionOverflow() {
        // 2^31 x 2^31 overflows the 2^40 element limit long before Int.
        guard case .dimensionOverflow? = loadError(addModel(ONNX.raw("w", 1, [1 << 31, 1 << 31], []))) else { Issue.record("no overflow error"); return }
        guard case .dimensionOverflow? = loadError(addModel(ONNX.raw("w", 1, [-1], []))) else { Issue.record("negative dim accepted"); return }
        // Int64.max dims would overflow an unchecked product.
        guard case .dimensionOverflow? = loadError(addModel(ONNX.raw("w", 1, [Int.max, Int.max], []))) else { Issue.record("huge dims accepted"); return }
    }

    @Test func unsupportedOpset() {
        let g = ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.valueInfo("x", 1, [.value(1)])], outputs: [ONNX.valueInfo("y", 1, nil)])
        #expect(loadError(ONNX.model(g, opset: 5)) == .unsupportedOpset(domain: "", version: 5))
        #expect(loadError(ONNX.model(g, opset: 22)) == .unsupportedOpset(domain: "", version: 22))
        #expect(loadError(ONNX.model(g, opset: 13, extraOpsets: [("com.microsoft", 1)])) == nil)
    }

    @Test func duplicateAndUndefinedNamesNameTheNode() {
        let dup = ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], name: "first"), ONNX.node("Relu", ["x"], ["y"], name: "second")],
                             inputs: [ONNX.valueInfo("x", 1, [.value(1)])], outputs: [ONNX.valueInfo("y", 1, nil)])
        #expect(loadError(ONNX.model(dup)) == .duplicateValueName(name: "y", node: "second"))
        let undef = ONNX.graph(nodes: [ONNX.node("Add", ["x", "nowhere"], ["y"], name: "adder")],
                               inputs: [ONNX.valueInfo("x", 1, [.value(1)])], outputs: [ONNX.valueInfo("y", 1, nil)])
        #expect(loadError(ONNX.model(undef)) == .undefinedValue(name: "nowhere", node: "adder"))
    }

    @Test func aFileCannotSetTheAttributesOfFusedNodes() {
        for reserved in [ReluFusion.attribute, ResidualAddFusion.attribute, MaxPoolFusion.attribute, GlobalAveragePoolFusion.attribute] {
            let g = ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], name: "marked", [(reserved, .int(1))])],
                               inputs: [ONNX.valueInfo("x", 1, [.value(2)])], outputs: [ONNX.valueInfo("y", 1, nil)])
            let error = loadError(ONNX.model(g))
            guard case let .invalidNode(node, opType, reason)? = error else { Issue.record("\(reserved) was accepted: \(String(describing: error))"); continue }
            #expect(node == "marked" && opType == "Relu" && reason.contains(reserved))
        }
    }

    @Test func outOfOrderNodesAreSorted() throws {
        let g = ONNX.graph(nodes: [ONNX.node("Relu", ["t"], ["y"], name: "b"), ONNX.node("Neg", ["x"], ["t"], name: "a")],
                           inputs: [ONNX.valueInfo("x", 1, [.value(3)])], outputs: [ONNX.valueInfo("y", 1, nil)])
        let m = try load(ONNX.model(g))
        #expect(m.graph.nodes.map(\.name) == ["a", "b"])
    }

    @Test func unsupportedOperatorAndDataDependentShape() {
        let g = ONNX.graph(nodes: [ONNX.node("NonMaxSuppression", ["x"], ["y"], name: "nms")],
                           inputs: [ONNX.valueInfo("x", 1, [.value(1)])], outputs: [ONNX.valueInfo("y", 1, nil)])
        #expect(loadError(ONNX.model(g)) == .unsupportedOperator(node: "nms", opType: "NonMaxSuppression", domain: ""))
        // Reshape whose target shape is a graph input: not known before running.
        let r = ONNX.graph(nodes: [ONNX.node("Reshape", ["x", "s"], ["y"], name: "reshape")],
                           inputs: [ONNX.valueInfo("x", 1, [.value(6)]), ONNX.valueInfo("s", 7, [.value(2)])],
                           outputs: [ONNX.valueInfo("y", 1, nil)])
        #expect(loadError(ONNX.model(r)) == .dataDependentShape(node: "reshape", opType: "Reshape", input: "s"))
        // With inference off the model still loads (for `inspect`).
        #expect(loadError(ONNX.model(g), options: LoadOptions(inferShapes: false)) == nil)
    }
}

@Suite struct ExternalDataTests {
    func externalModel(location: String, offset: Int? = nil, length: Int? = nil) -> [UInt8] {
        let w = ONNX.tensor("w", 1, [2, 2]) { t in
            var entries: [(String, String)] = [("location", location)]
            if let offset { entries.append(("offset", String(offset))) }
            if let length { entries.append(("length", String(length))) }
            for (k, v) in entries {
                var e = ProtoWriter(); e.string(1, k); e.string(2, v)
                t.message(13, e)
            }
            t.int(14, 1)
        }
        return addModel(w)
    }

    @Test func readsExternalDataWithOffset() throws {
        let dir = try TempDir()
        let values: [Float] = [1, 2, 3, 4]
        try Data([UInt8](repeating: 9, count: 8) + leBytes(values)).write(to: URL(fileURLWithPath: dir.path + "/weights.bin"))
        let m = try load(externalModel(location: "weights.bin", offset: 8, length: 16), base: dir.path)
        #expect(m.graph.initializers["w"]?.scalars(as: Float.self) == values)
        // Length must match the dims; offset past the end is refused.
        #expect(loadError(externalModel(location: "weights.bin", offset: 8, length: 12), base: dir.path)
            == .rawDataSizeMismatch(tensor: "w", expectedBytes: 16, actualBytes: 12))
        guard case .externalDataUnreadable? = loadError(externalModel(location: "weights.bin", offset: 16, length: 16), base: dir.path) else {
            Issue.record("read past end of file"); return
        }
        guard case .externalDataUnreadable? = loadError(externalModel(location: "weights.bin")) else {
            Issue.record("external data without base directory"); return
        }
    }

    @Test func refusesLocationsThatEscapeTheModelFolder() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path + "/model", withIntermediateDirectories: true)
        try Data([UInt8](repeating: 0, count: 16)).write(to: URL(fileURLWithPath: dir.path + "/secret.bin"))
        let base = dir.path + "/model"
        #expect(loadError(externalModel(location: "/etc/passwd"), base: base) == .externalDataEscape(tensor: "w", location: "/etc/passwd"))
        #expect(loadError(externalModel(location: "../secret.bin"), base: base) == .externalDataEscape(tensor: "w", location: "../secret.bin"))
        #expect(loadError(externalModel(location: "a/../../secret.bin"), base: base) == .externalDataEscape(tensor: "w", location: "a/../../secret.bin"))
        try FileManager.default.createSymbolicLink(atPath: base + "/link.bin", withDestinationPath: dir.path + "/secret.bin")
        #expect(loadError(externalModel(location: "link.bin"), base: base) == .externalDataEscape(tensor: "w", location: "link.bin"))
    }
}
