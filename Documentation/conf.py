# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the drm-mdl documentation, built by `make
# htmldocs` (Documentation/htmldocs.sh). kernel-doc comments are pulled from
# the sources with the kernel's own extension: Documentation/sphinx/
# kerneldoc.py and scripts/kernel-doc of the Debian linux-source-6.1 tree
# that tools/kernel-source.sh unpacks (or MDL_KERNEL_SRC, when set).
#
# Inside a kernel tree the pages under gpu/drm-mdl/ build with the kernel's
# own conf.py instead; nothing here is needed there.

import os
import subprocess
import sys

import sphinx

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def kernel_source():
    src = os.environ.get('MDL_KERNEL_SRC')
    if not src:
        src = subprocess.run([os.path.join(TOP, 'tools', 'kernel-source.sh')],
                             check=True, stdout=subprocess.PIPE,
                             text=True).stdout.strip()
    if not os.path.isfile(os.path.join(src, 'scripts', 'kernel-doc')):
        sys.exit('conf.py: %s has no scripts/kernel-doc; set MDL_KERNEL_SRC to '
                 'an unpacked kernel tree or run tools/kernel-source.sh' % src)
    return src


def package_version():
    with open(os.path.join(TOP, 'dkms.conf')) as conf:
        for line in conf:
            if line.startswith('PACKAGE_VERSION='):
                return line.split('=', 1)[1].strip().strip('"')
    return 'unknown'


KSRC = kernel_source()
# kernel-doc exits non-zero on any warning, which kerneldoc.py turns into a
# Sphinx warning, which -W turns into an error.
os.environ.setdefault('KDOC_WERROR', '1')
sys.path.insert(0, os.path.join(KSRC, 'Documentation', 'sphinx'))

project = 'drm-mdl'
author = 'the drm-mdl authors'
copyright = '2025-2026, ' + author
version = release = package_version()

extensions = ['kerneldoc', 'rstFlatTable']
kerneldoc_bin = os.path.join(KSRC, 'scripts', 'kernel-doc')
kerneldoc_srctree = TOP

master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = []
highlight_language = 'none'
primary_domain = 'c'
pygments_style = 'sphinx'

# The attributes the kernel's conf.py teaches Sphinx's C parser.
c_id_attributes = [
    '__restrict__', '__iomem', '__kernel', 'noinstr', 'notrace', '__percpu',
    '__rcu', '__user', '__always_inline', '__cold', '__pure', '__must_check',
    '__printf', '__malloc', '__packed', '__aligned', '__maybe_unused',
    '__used', '__weak', 'noinline', '__init', '__exit', 'asmlinkage',
]

try:
    import sphinx_rtd_theme  # noqa: F401
    html_theme = 'sphinx_rtd_theme'
except ImportError:
    html_theme = 'alabaster'
html_title = 'drm-mdl %s documentation' % release
html_show_sourcelink = False
html_last_updated_fmt = None
