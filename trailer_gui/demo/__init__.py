"""The synthetic demo, outside the domain: ``synth`` draws trailers whose genres can be seen
and heard (with their true labels), one class per genre in ``looks/`` saying how (look,
motion, sound), ``encoders`` writes them to MP4, ``project.make_demo`` fills a project with
them. Used by `trailer demo`, the start page's demo, and the tests and benchmarks; core
never imports it."""
