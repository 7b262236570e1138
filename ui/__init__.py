"""TracSeq Desktop: the Qt front end."""

from ui.pysidefix import make_singletons_immortal

make_singletons_immortal()
