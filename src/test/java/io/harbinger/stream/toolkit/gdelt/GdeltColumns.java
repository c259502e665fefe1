package io.harbinger.stream.toolkit.gdelt;

/** 0-based column indexes of a GDELT 2.0 Event Database export row (tab-separated, no header). */
final class GdeltColumns {

    static final int COUNT = 61;

    static final int GLOBAL_EVENT_ID = 0;
    static final int EVENT_BASE_CODE = 27;
    static final int EVENT_ROOT_CODE = 28;
    static final int GOLDSTEIN_SCALE = 30;
    static final int NUM_MENTIONS = 31;
    static final int ACTOR1_GEO_COUNTRY_CODE = 37;
    static final int ACTOR2_GEO_COUNTRY_CODE = 45;
    static final int ACTION_GEO_COUNTRY_CODE = 53;
    static final int DATE_ADDED = 59;
    static final int SOURCE_URL = 60;

    private GdeltColumns() {
    }
}
