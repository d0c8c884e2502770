// SPDX-License-Identifier: GPL-2.0-or-later
/* Batch sessions: domain names (never a target), and the --map / --window request parsers. */
#include <errno.h>

#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/session.h"
#include "tap.h"

static void test_names(void)
{
	static const char *const good[] = { "d0", "gpu", "D", "vm-1_dma",
					    "a234567890123456789012345678901", NULL };
	static const char *const bad[] = { "", "0d", "-d", "_d", "d:0", "d.0", "d 0", "d/0",
					   "a2345678901234567890123456789012x", "12", "group:1",
					   "01:00.0", NULL };
	struct vfc_target t;

	for (size_t i = 0; good[i]; i++)
		OK(vfc_session_name_ok(good[i]) && vfc_target_parse(good[i], &t),
		   "'%s' is a domain name and no target", good[i]);
	for (size_t i = 0; bad[i]; i++)
		OK(!vfc_session_name_ok(bad[i]), "'%s' is not a domain name", bad[i]);
}

static void test_table(void)
{
	struct vfc_session s = { 0 };
	struct vfc_domain_req req = { 0 };
	struct vfc_domain_targets t = { 0 };

	/* NULL domains stand in for created ones: the table never looks inside them. */
	OK(!vfc_session_add(&s, "d0", NULL, &req, &t) && s.n == 1, "add d0");
	OK(vfc_session_add(&s, "d0", NULL, &req, &t) == -EEXIST, "a name is taken once");
	OK(vfc_session_add(&s, "9x", NULL, &req, &t) == -EINVAL, "a bad name is refused");
	OK(!vfc_session_add(&s, "d1", NULL, &req, &t) && s.n == 2, "add d1");
	OK(vfc_session_find(&s, "d1") == &s.v[1] && !vfc_session_find(&s, "d2"), "find");
	OK(!vfc_session_destroy(&s, "d0", NULL) && s.n == 1 && !strcmp(s.v[0].name, "d1"),
	   "destroy one keeps the others in order");
	OK(vfc_session_destroy(&s, "d0", NULL) == -ENOENT, "destroy an unknown name");
	OK(!vfc_session_end(&s, NULL) && s.n == 0 && !s.v, "end empties the session");
}

static void test_requests(void)
{
	struct vfc_window_req w;
	struct vfc_map_req m;

	OK(!vfc_window_req_parse("1G", &w) && !w.has_start && w.size == 1ULL << 30, "window 1G");
	OK(!vfc_window_req_parse("0x100000000+256M", &w) && w.has_start &&
	   w.start == 1ULL << 32 && w.size == 256ULL << 20, "window START+SIZE");
	OK(vfc_window_req_parse("0", &w) == -EINVAL, "window of size 0 refused");
	OK(vfc_window_req_parse("+1G", &w) == -EINVAL, "window with an empty start refused");
	OK(vfc_window_req_parse("1G+", &w) == -EINVAL, "window with no size refused");
	OK(!vfc_map_req_parse("64K", &m) && m.size == 65536 && !m.fixed && !m.hugetlb, "map 64K");
	OK(!vfc_map_req_parse("2M@0x400000,hugetlb", &m) && m.size == 2u << 20 && m.fixed &&
	   m.iova == 0x400000 && m.hugetlb, "map SIZE@IOVA,hugetlb");
	OK(vfc_map_req_parse("2M,huge", &m) == -EINVAL, "map with an unknown flag refused");
	OK(vfc_map_req_parse("0@0x1000", &m) == -EINVAL, "map of size 0 refused");
	OK(vfc_map_req_parse("4K@", &m) == -EINVAL, "map with an empty IOVA refused");
}

int main(void)
{
	test_names();
	test_table();
	test_requests();
	return tap_done();
}
