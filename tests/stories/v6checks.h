! v6checks.h -- the check helpers of zvm's version 6 test stories
! (v6screen.inf, v6pictures.inf), included by them; no Inform library.
!
! Ok(name, actual, expected) counts a check; a failing one writes
!     FAIL <name>: expected <value>, got <value>
! to a log table with output stream 3 (the checks erase the screen, so the
! log is printed at the end by Summary, before the last line
!     <passed> passed, <failed> failed
! ). ReadHeader() sets sw, sh (screen size in units, $22 and $24) and fw, fh
! (font size in units: $27 width, $26 height in version 6, section 11.1).

Global passed;
Global failed;
Global sw;                     ! screen width in units ($22)
Global sh;                     ! screen height in units ($24)
Global fw;                     ! font width in units ($27 in version 6)
Global fh;                     ! font height in units ($26 in version 6)

Array cur --> 0 0;
Constant LOG_SIZE = 3000;
Constant LOG_MAX = 16;          ! failures logged; each message is short
Array log -> LOG_SIZE;

! ---------------------------------------------------------------------------
! Check helpers

! Failures are written to the log with stream 3 (never while another
! stream 3 table is open): each opens a table where the log ends, and
! LogOff moves the text down over that table's length word, so the log is
! one run of text, printed by PrintLog at the end.
Global logged;                 ! bytes of text in the log
Global logt;                   ! the stream 3 table of the failure being logged
[ LogOn; if (failed > LOG_MAX) rfalse; logt = log + logged; @output_stream 3 logt; rtrue; ];
[ LogOff i n;
  @output_stream (-3);
  n = logt-->0;
  for (i = 0 : i < n : i++) logt->i = logt->(i+2);
  logged = logged + n;
];
[ PrintLog i;
  for (i = 0 : i < logged : i++) {
    if (log->i == 13) new_line; else print (char) log->i;
  }
  if (failed > LOG_MAX) print "(", failed - LOG_MAX, " more failures not shown)^";
];

[ Ok name actual expected;
  if (actual == expected) { passed++; rtrue; }
  failed++;
  if (LogOn()) {
    print "FAIL ", (string) name, ": expected ", expected, ", got ", actual, "^";
    LogOff();
  }
  rfalse;
];

[ Prop w p  x;
  @get_wind_prop w p -> x;
  return x;
];

[ CursorY; @get_cursor cur; return cur-->0; ];
[ CursorX; @get_cursor cur; return cur-->1; ];

[ ReadHeader;
  sw = 0-->$11; sh = 0-->$12; fh = 0->$26; fw = 0->$27;
];

[ Summary;
  new_line;
  PrintLog();
  print passed, " passed, ", failed, " failed^";
];
