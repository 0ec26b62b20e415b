import Foundation
import RegularFiles

/// A tokenizer read from Hugging Face tokenizers' `tokenizer.json`, for words that are already
/// split (transformers' `is_split_into_words=True`, as Flair's `TransformerWordEmbeddings` calls
/// it): each word on its own goes through the added tokens (`AddedTokens`), the `normalizer`
/// (`Normalizer`), the `pre_tokenizer` (`PreTokenizer`) and the `model` (`SubwordModel`).
/// The `post_processor` (TemplateProcessing, RobertaProcessing or BertProcessing) gives the one
/// special token before and the one after each sequence (`[CLS] … [SEP]`, `<s> … </s>`).
/// `decoder`, `truncation` and `padding` are not used (windows are cut by `SubwordWindows`).
///
/// Every list and count in the file is bounded before it is used; a value this build does not
/// implement is refused naming its field (`TransformerError.tokenizer`).
public struct JSONTokenizer: Sendable {
    public let normalizer: Normalizer?
    public let preTokenizer: PreTokenizer?
    public let model: SubwordModel
    public let added: AddedTokens
    /// The token of each id (model vocabulary and added tokens); "" where no token has the id.
    public let tokens: [String]
    public let classID: Int32
    public let separatorID: Int32
    /// The id an empty word gets (the model's unknown token, else an added `<unk>` or `[UNK]`).
    public let unknownID: Int32
    /// The padding token (`padding.pad_id`, else an added `<pad>` or `[PAD]`), when there is one.
    public let paddingID: Int32?
    /// The file's text, kept so a trained model can carry the tokenizer (`Codable`).
    public let text: String

    /// The largest tokenizer.json read (XLM-R's is 17 MB).
    public static let maxFileBytes = 256 << 20
    public static let fileName = "tokenizer.json"

    /// Reads `tokenizer.json`.
    public init(contentsOf url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try RegularFile.read(file, limit: JSONTokenizer.maxFileBytes) } catch let problem as FileProblem {
            throw TransformerError.unreadable(file: file, reason: problem.reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TransformerError.tokenizer(file: file, field: "(top level)", problem: "not UTF-8 text")
        }
        try self.init(text: text, source: file)
    }

    /// Reads the text of a tokenizer.json; `source` names it in messages.
    public init(text: String, source: String) throws {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw TransformerError.tokenizer(file: source, field: "(top level)", problem: "not readable JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw TransformerError.tokenizer(file: source, field: "(top level)", problem: "expected a JSON object")
        }
        let f = TokenizerFields(file: source, path: "", object: object)
        self.text = text
        normalizer = try f.optionalObject("normalizer").map { try Normalizer($0) }
        preTokenizer = try f.optionalObject("pre_tokenizer").map { try PreTokenizer($0) }
        var tokens: [String] = []
        model = try SubwordModel(f.object("model"), tokens: &tokens, text: text)
        added = try AddedTokens(f, normalizer: normalizer)
        for t in added.tokens {
            if Int(t.id) >= tokens.count { tokens += [String](repeating: "", count: Int(t.id) + 1 - tokens.count) }
            tokens[Int(t.id)] = t.content
        }
        self.tokens = tokens
        (classID, separatorID) = try JSONTokenizer.framing(f.optionalObject("post_processor"), f)
        guard let unk = model.unknownID ?? added.id(of: "<unk>") ?? added.id(of: "[UNK]") else {
            throw f.error("model.unk_token", "the model has no unknown token and added_tokens has no <unk> or [UNK]: a word that leaves no subword needs one")
        }
        unknownID = unk
        let padding = try f.optionalObject("padding")
        paddingID = try padding?.optionalInt("pad_id", in: 0...(WordPieceVocabulary.maxTokens - 1)).map(Int32.init)
            ?? added.id(of: "<pad>") ?? added.id(of: "[PAD]")
        for (name, id) in [("post_processor (the token before a sequence)", classID), ("post_processor (the token after a sequence)", separatorID)]
        where Int(id) >= tokens.count {
            throw f.error("post_processor", "\(name) has id \(id), beyond the \(tokens.count) ids of model.vocab and added_tokens")
        }
    }

    /// The token before and after a sequence, from the post-processor.
    static func framing(_ p: TokenizerFields?, _ top: TokenizerFields) throws -> (Int32, Int32) {
        let hint = "this build frames each sequence as one special token, the subwords, one special token (TemplateProcessing \"$A\" between two, RobertaProcessing or BertProcessing)"
        guard let p else { throw top.error("post_processor", "null: \(hint)") }
        func pair(_ key: String) throws -> Int32 {
            let v = try p.array(key, maxCount: 2)
            guard v.count == 2, v[0] is String else { throw p.error(key, "expected [token, id]") }
            return Int32(try TokenizerFields.int(v[1], in: 0...(WordPieceVocabulary.maxTokens - 1)) { p.error(key, $0) })
        }
        switch try p.type(["TemplateProcessing", "RobertaProcessing", "BertProcessing", "Sequence", "ByteLevel"]) {
        case "RobertaProcessing", "BertProcessing":
            return (try pair("cls"), try pair("sep"))
        case "Sequence":
            let framers = try p.objects("processors", maxCount: 16).filter { try $0.string("type") != "ByteLevel" }
            guard framers.count == 1 else { throw p.error("processors", "\(framers.count) framing processors beside ByteLevel, expected one: \(hint)") }
            return try framing(framers[0], top)
        case "ByteLevel":
            throw p.error("type", "ByteLevel alone adds no special tokens: \(hint)")
        default:
            let single = try p.array("single", maxCount: 16)
            let specials = try p.object("special_tokens")
            func special(_ item: Any, _ index: Int) throws -> Int32? {
                guard let o = item as? [String: Any], o.count == 1 else { throw p.error("single[\(index)]", "expected {\"SpecialToken\": …} or {\"Sequence\": …}") }
                if let s = o["Sequence"] as? [String: Any] {
                    guard s["id"] as? String == "A" else { throw p.error("single[\(index)]", "a sequence other than $A") }
                    return nil
                }
                guard let s = o["SpecialToken"] as? [String: Any], let name = s["id"] as? String else {
                    throw p.error("single[\(index)]", "expected {\"SpecialToken\": {\"id\": …}} or {\"Sequence\": {\"id\": \"A\"}}")
                }
                let entry = try specials.object(name)
                let ids = try entry.array("ids", maxCount: 16)
                guard ids.count == 1 else { throw entry.error("ids", "\(ids.count) ids, expected one") }
                return Int32(try TokenizerFields.int(ids[0], in: 0...(WordPieceVocabulary.maxTokens - 1)) { entry.error("ids", $0) })
            }
            let items = try single.enumerated().map { try special($0.element, $0.offset) }
            guard items.count == 3, let cls = items[0], items[1] == nil, let sep = items[2] else {
                throw p.error("single", "\(items.map { $0.map { "special \($0)" } ?? "$A" }): \(hint)")
            }
            return (cls, sep)
        }
    }

    /// The subword ids of one word (no framing tokens); empty when nothing is left of it.
    public func tokenize(_ word: String) -> [Int32] {
        var out: [Int32] = []
        for raw in added.split(Array(word.unicodeScalars), normalizedTokens: false, atWordStart: true) {
            if let id = raw.id { out.append(id); continue }
            let normalized = normalizer.map { $0(raw.scalars) } ?? raw.scalars
            for part in added.split(normalized, normalizedTokens: true, atWordStart: raw.atWordStart) {
                if let id = part.id { out.append(id); continue }
                let piece = PreTokenizer.Piece(scalars: part.scalars, atWordStart: part.atWordStart)
                for p in preTokenizer.map({ $0([piece]) }) ?? [piece] { out.append(contentsOf: model.ids(p.scalars)) }
            }
        }
        return out
    }
}
