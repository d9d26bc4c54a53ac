"""The wheel's one build step beyond pyproject.toml: copy the ontology and the built graph into the
package (azkg/bundled/), so that an installed azkg serves them from any folder. The repository keeps
them in ontology/ and data/, where curators edit them; azkg.bundle finds either."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
BUNDLED = {  # folder in the repository: the files of it the package carries
    "ontology": ["*.ttl", "shapes/*.ttl", "checks/*/*.rq"],
    "data": ["triples.ttl"],
}


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself (azkg.bundle)
            return
        target = Path(self.build_lib) / "azkg" / "bundled"
        for folder, patterns in BUNDLED.items():
            for pattern in patterns:
                for path in sorted((HERE / folder).glob(pattern)):
                    self.mkpath(str((target / path.relative_to(HERE)).parent))
                    self.copy_file(str(path), str(target / path.relative_to(HERE)), preserve_mode=False)


setup(cmdclass={"build_py": BuildWithBundle})
