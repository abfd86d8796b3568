import Foundation
import Service
import Testing

@Suite struct InspectorTests {
    @Test func aRealModelShowsItsInterfaceAndParameters() throws {
        let info = try ONNXWireInspector().inspect(try sampleModel(), name: "tinycnn-fp32.onnx")
        #expect(!info.inputs.isEmpty)
        #expect(!info.outputs.isEmpty)
        #expect(info.inputs.allSatisfy { $0.dtype == "float32" && !$0.shape.isEmpty })
        #expect((info.parameters["float32"] ?? 0) > 0)
        #expect((info.nodeCount ?? 0) > 0)
    }

    @Test func anInt8ModelListsItsDtypes() throws {
        let info = try ONNXWireInspector().inspect(try sampleModel("tinycnn-int8.onnx"), name: "int8")
        #expect(info.dtypes.contains("int8") || info.dtypes.contains("uint8"))
    }

    @Test(arguments: [Array("this is not a model".utf8), [], [0x08, 0x07, 0x3a, 0xff, 0x01]])
    func corruptBytesAreRejected(_ bytes: [UInt8]) {
        #expect(throws: ServiceError.self) { try ONNXWireInspector().inspect(bytes, name: "x") }
    }

    @Test func truncatingARealModelIsCaught() throws {
        let bytes = try sampleModel()
        #expect(throws: ServiceError.self) { try ONNXWireInspector().inspect(Array(bytes.prefix(bytes.count / 2)), name: "half") }
    }
}
