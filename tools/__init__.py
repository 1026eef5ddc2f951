"""zvm's tools for authors and developers: the regtest runner (``zvm test``),
golden-file recorder (``zvm record``), disassembler (``zvm dis``), story
dumps (``zvm dump``), the Blorb writer and the benchmarks. They use the
machine; the machine never uses them."""
