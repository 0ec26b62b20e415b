/// The config `mtl-dist train` uses without `--config`.
extension TrainConfig {
    /// The built-in default config: UPOS and NER on the embedded English Web Treebank corpus
    /// (`Sources/RunConfig/DefaultCorpus`: `token<TAB>UPOS<TAB>NER`, CC BY-SA 4.0, see its ATTRIBUTION.md).
    /// Its paths are relative: `ConfigLoader.load(file: nil, dataDir:)` resolves them against `dataDir`,
    /// which the caller points at the embedded corpus folder.
    public static let defaultYAML = """
        # Built-in default: UPOS tagging and NER on the embedded English Web Treebank sample.
        corpora:
          ewt:
            columns: [text, upos, ner]
            separator: tab
            train: train.tsv
            dev: dev.tsv
        tasks:
          upos:
            label: upos
            head: softmax
            hidden: 0
            metric: accuracy
          ner:
            label: ner
            hidden: 0
        encoder:
          shared_hidden: 128
        training:
          epochs: 20
          log_every: 25
        """
}
