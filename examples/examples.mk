# examples/: small programs in the spirit of BLCR's examples, built into
# $(B)/examples/; and libcr.pc for pkg-config.  Included by the Makefile,
# which defines B, CC, BASE_CFLAGS, PREFIX, DESTDIR and VERSION.

EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))

$(B)/examples/%: examples/%.c examples/examples.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $< $(EXAMPLE_LIBS)

$(B)/examples/pthread_counting: EXAMPLE_LIBS = -lpthread
# uses the API: linked with -lcr, as a BLCR program is
$(B)/examples/socket_callback: EXAMPLE_LIBS = -L$(B)/lib -lcr -Wl,-rpath,$(abspath $(B)/lib)
$(B)/examples/socket_callback: $(B)/lib/libcr.so $(B)/lib/libcr.so.0 \
	include/libcr.h include/blcr_common.h include/blcr_errcodes.h

# examples/mpi/: MPI programs, built once per MPI implementation found
# (their ABIs differ): $(B)/examples/mpi/ring.mpich with mpicc.mpich, and
# ring.openmpi with mpicc.openmpi.  Without either compiler, nothing.
MPI_IMPLS := $(foreach impl,mpich openmpi,$(if $(shell command -v mpicc.$(impl) 2>/dev/null),$(impl)))
MPI_EXAMPLES := $(foreach impl,$(MPI_IMPLS),\
	$(patsubst examples/mpi/%.c,$(B)/examples/mpi/%.$(impl),$(wildcard examples/mpi/*.c)))

define mpi_example_rule
$(B)/examples/mpi/%.$(1): examples/mpi/%.c examples/examples.mk Makefile
	@mkdir -p $$(dir $$@)
	mpicc.$(1) -std=gnu11 $(WARN) $(CFLAGS) -o $$@ $$<
endef
$(foreach impl,$(MPI_IMPLS),$(eval $(call mpi_example_rule,$(impl))))

all: $(MPI_EXAMPLES)

# libcr.pc: built with the PREFIX of the build; install-pc writes the
# installed copy with the PREFIX of the install (which may differ).
LIBCR_PC := $(B)/lib/pkgconfig/libcr.pc

$(LIBCR_PC): src/agent/libcr.pc.in examples/examples.mk Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@.tmp
	mv $@.tmp $@

all: $(EXAMPLES)
all: $(LIBCR_PC)

install-pc: $(LIBCR_PC)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig
	sed -e 's|^prefix=.*|prefix=$(PREFIX)|' $(LIBCR_PC) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libcr.pc.tmp
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/libcr.pc.tmp
	mv $(DESTDIR)$(PREFIX)/lib/pkgconfig/libcr.pc.tmp $(DESTDIR)$(PREFIX)/lib/pkgconfig/libcr.pc

install: install-pc

.PHONY: install-pc
