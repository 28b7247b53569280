"""Where the stages meet: `build()` (`build`), which loads the stages of a build with work to
do (`stages`) only when it has some, over the modules that each own one step of it: what
a build is asked and answers (`options`), what it reads and its memo keys (`inputs`),
parsing (`parsing`), the images pages show and their variants and cards (`images`), the
files besides pages (`otherfiles`), rendering, checking and writing (`publish`), stage
timings (`laps`), and the articles a build holds back, for `build.py list` (`held`).

May import: the vocabulary, the stages and incremental.
"""
