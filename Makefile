# SPDX-License-Identifier: GPL-2.0
#
# espvti: route-based IPsec interfaces.
#
#   make                 the module (espvti.ko) and the tool (tools/espvti/espvti)
#   make KDIR=...        against another kernel tree or headers
#   make W=1 C=1         with extra warnings and sparse
#   make install         the module (to /lib/modules/KVER/updates, then
#                        depmod), the tool, its man page and bash completion,
#                        espvti-quick, the systemd unit espvti@.service
#                        (UNITDIR), the ifupdown hooks (in SYSCONFDIR/network)
#                        and SYSCONFDIR/espvti; DESTDIR and PREFIX (default
#                        /usr/local) are honoured
#   make uninstall       remove what install installed
#   make dkms-install    the module's sources to /usr/src/espvti-VERSION and
#                        `dkms add` (DKMS builds it for each kernel)
#   make dkms-uninstall  `dkms remove` it from every kernel, and the sources
#   make dist            espvti-VERSION.tar.gz, reproducible: the files of the
#                        last commit, its time, sorted, owned by root
#   make style           checkpatch --strict over the C sources
#   make check           the test bench: KUnit + netns selftests in VMs
#   make quick           the kernel developer's loop: the debug kernel's VM,
#                        KUnit and a smoke of the data path (minutes)
#   make compat          build and smoke-test on every supported kernel
#                        (tests/compat/kernels; not part of make check)
#   make demo            a two-site topology in the stock-kernel VM
#   make vm-shell        a shell in the stock-kernel VM (VM=debug: debug kernel)
#   make strongswan-plugin  strongSwan charon's kernel-espvti plugin
#                        (tools/strongswan; fetches and configures the
#                        matching strongSwan source into the cache once)
#   make install-strongswan-plugin  it and its strongswan.d snippet

# The one place the version is written.
VERSION := $(shell cat $(CURDIR)/VERSION)

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
	echo /lib/modules/$$(uname -r)/build; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)
# The release of the kernel KDIR is for (Debian's headers carry it in
# utsrelease.h, not in kernel.release).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

DESTDIR ?=
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DKMS_SRC = $(DESTDIR)/usr/src/espvti-$(VERSION)
INSTALL ?= install

all: module tool

module:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || { \
		echo "espvti: no kernel headers$(if $(KDIR), at $(KDIR)): install linux-headers-$$(uname -r) (Debian: apt-get install linux-headers-amd64), or pass KDIR=/path/to/headers" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C tools/espvti VERSION=$(VERSION)

install: install-module install-tool

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) KERNELRELEASE=$(KVER) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# The tool's Makefile installs the tool, espvti(8), the bash completion,
# espvti-quick(8), the systemd unit and the ifupdown hooks.
TOOL_DIRS = DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) \
	COMPLETIONDIR=$(COMPLETIONDIR) UNITDIR=$(UNITDIR) SYSCONFDIR=$(SYSCONFDIR)

install-tool: tool
	$(MAKE) -C tools/espvti install VERSION=$(VERSION) $(TOOL_DIRS)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/espvti.ko*
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools/espvti uninstall $(TOOL_DIRS)

# What DKMS builds: Kbuild, the module, the uapi header, VERSION and
# dkms.conf with its version filled in.
DKMS_FILES := Kbuild VERSION module uapi

dkms-install:
	rm -rf $(DKMS_SRC)
	$(INSTALL) -d $(DKMS_SRC)
	cp -R $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	$(if $(DESTDIR),,dkms add -m espvti -v $(VERSION))

dkms-uninstall:
	-dkms remove -m espvti -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

DIST := espvti-$(VERSION)
dist:
	scripts/dist.sh $(DIST)

clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/espvti clean
	$(MAKE) -C tools/strongswan clean SSWAN=
	rm -rf tests/build .compat

check:
	tests/check.sh

quick:
	tests/check.sh --quick

compat: tool
	tests/compat/compat.sh

style:
	tests/style.sh

demo:
	tests/demo.sh

strongswan-plugin:
	$(MAKE) -C tools/strongswan

install-strongswan-plugin: strongswan-plugin
	$(MAKE) -C tools/strongswan install DESTDIR=$(DESTDIR)

vm-shell:
	tests/vm/run.sh --kernel $(or $(VM),stock) --shell

.PHONY: all module tool install install-module install-tool uninstall dkms-install \
	dkms-uninstall dist clean check quick compat style demo vm-shell \
	strongswan-plugin install-strongswan-plugin
